import ArgumentParser
import Foundation
import WaybillCore
import WaybillX12

/// `waybill edi parse|validate FILE`.
struct EDICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edi", abstract: "Read X12 files: print the canonical events, or check envelopes.",
        subcommands: [Parse.self, Validate.self])

    struct Parse: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the canonical events of an X12 file as JSON, or a precise error.")

        @Argument(help: "The X12 file.") var file: String
        @Option(help: "The partner's system name (default: the ISA sender, lower-cased, with -edi).") var partner: String?

        func run() throws {
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
            do {
                var events: [JSONValue] = []
                for interchange in try X12Reader.read(bytes) {
                    let system = partner ?? interchange.sender.lowercased() + "-edi"
                    for group in interchange.groups {
                        for set in group.sets where set.code == "850" {
                            events.append(try PurchaseOrderMapping.cloudEvent(set, group: group, in: interchange, source: "/systems/\(system)").json)
                        }
                    }
                }
                print(JSONWriter.pretty(.array(events)))
            } catch {
                print("\(file): \(error)")
                throw ExitCode(1)
            }
        }
    }

    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check envelopes and set structure; exit non-zero with one line per problem.")

        @Argument(help: "The X12 file.") var file: String

        func run() throws {
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
            let interchanges: [X12Interchange]
            do {
                interchanges = try X12Reader.read(bytes)
            } catch {
                print(Self.line(file, error))
                throw ExitCode(1)
            }
            // The envelopes hold: check each set's content too, one line per set in error.
            var problems: [String] = []
            var sets = 0
            for interchange in interchanges {
                for group in interchange.groups {
                    for set in group.sets {
                        sets += 1
                        guard set.code == "850" else { continue }
                        do {
                            _ = try PurchaseOrderMapping.orderPlaced(set, in: interchange)
                        } catch {
                            problems.append(Self.line(file, error) + " in 850 \(set.controlNumber) of interchange \(interchange.controlNumber)")
                        }
                    }
                }
            }
            guard problems.isEmpty else {
                problems.forEach { print($0) }
                throw ExitCode(1)
            }
            print("\(file): valid — \(interchanges.count) interchanges, \(sets) transaction sets")
        }

        static func line(_ file: String, _ error: X12Error) -> String {
            let codes = [error.ta1Code.map { "TA1 \($0)" }, error.ackCode].compactMap { $0 }.joined(separator: ", ")
            return "\(file): \(error)" + (codes.isEmpty ? "" : " [\(codes)]")
        }
    }
}

import Foundation
import WaybillCore
import WaybillX12

/// `waybill bench --edi`: reads and maps about 50 MB of 850 interchanges (20-line orders) on
/// one core, three times, and reports the median rate.
enum EDIBenchmark {
    static func run(json: Bool) throws {
        var text = ""
        var control = 1
        while text.utf8.count < 50_000_000 {
            var segments = [
                "BEG*00*SA*PO-\(control)**20261127", "REF*DP*038", "DTM*002*20261204", "N1*ST*BoltWorks Plant 2*92*ST-1", "N3*1 Forge Rd",
                "N4*Tulsa*OK*74101*US",
            ]
            for line in 1...20 {
                segments.append("PO1*\(line)*\(line * 3)*EA*12.50**BP*BW\(6200 + line)*VP*BRG-\(6200 + line)")
                segments.append("PID*F****Ball bearing \(6200 + line)-2RS")
            }
            segments.append("CTT*20")
            let padded = X12Writer.controlNumber(control)
            text += "ISA*00*          *00*          *ZZ*BOLTWORKS      *ZZ*ACMEIND        *261127*1530*U*00401*\(padded)*0*P*>~\n"
            text += "GS*PO*BOLTWORKS*ACMEIND*20261127*1530*\(control)*X*004010~\nST*850*0001~\n"
            text += segments.map { $0 + "~\n" }.joined()
            text += "SE*\(segments.count + 2)*0001~\nGE*1*\(control)~\nIEA*1*\(padded)~\n"
            control += 1
        }
        let bytes = Array(text.utf8)
        var readRates: [Double] = []
        for _ in 0..<3 {
            let start = ContinuousClock.now
            _ = try X12Reader.read(bytes)
            readRates.append(Double(bytes.count) / 1_000_000 / (ContinuousClock.now - start).seconds)
        }
        let readMedian = readRates.sorted()[1]
        var rates: [Double] = []
        var orders = 0
        for _ in 0..<3 {
            let start = ContinuousClock.now
            orders = 0
            for interchange in try X12Reader.read(bytes) {
                for group in interchange.groups {
                    for set in group.sets {
                        _ = try PurchaseOrderMapping.orderPlaced(set, in: interchange)
                        orders += 1
                    }
                }
            }
            rates.append(Double(bytes.count) / 1_000_000 / (ContinuousClock.now - start).seconds)
        }
        let median = rates.sorted()[1]
        if json {
            print(
                JSONWriter.pretty(
                    .object([
                        ("bytes", .int(bytes.count)), ("orders", .int(orders)), ("read_mb_per_second", BenchCommand.number(readMedian, 1)),
                        ("read_and_map_mb_per_second", BenchCommand.number(median, 1)),
                    ])))
        } else {
            print(
                "X12 850 read: \(String(format: "%.1f", readMedian)) MB/s; read + map to o2c.order.placed: \(String(format: "%.1f", median)) MB/s (medians of 3; \(bytes.count / 1_000_000) MB, \(orders) orders, one core)"
            )
        }
    }
}

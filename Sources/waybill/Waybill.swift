import ArgumentParser

/// The `waybill` command-line tool.
@main
struct Waybill: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "waybill",
        abstract: "Waybill: the order-to-cash workflow sync hub for distributors.",
        subcommands: [
            ServeCommand.self, CheckCommand.self, DemoCommand.self, BenchCommand.self, LoadCommand.self, LoadTestCommand.self, SinkCommand.self,
            EDICommand.self, ReplayCommand.self, TestCommand.self,
        ]
    )
}

/// One problem in a configuration file, with where it is.
public struct ConfigProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// The key path, such as `systems[0].subscribes[1].webhook.url`.
    public let path: String
    /// The 1-based line of the offending node, when known.
    public let line: Int?
    public let message: String

    public init(path: String, line: Int?, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String {
        let location = path.isEmpty ? "(top level)" : path
        return line.map { "\(location) (line \($0)): \(message)" } ?? "\(location): \(message)"
    }
}

/// Every problem found in a configuration file; it is refused as a whole.
public struct ConfigProblems: Error, Sendable, CustomStringConvertible {
    public let problems: [ConfigProblem]
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

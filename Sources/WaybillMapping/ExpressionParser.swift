import WaybillCore

/// Parses the text of one expression (see `Expression` for the grammar). Errors name the column.
public struct ExpressionParser {
    enum Token: Equatable {
        case number(String), string(String), name(String), variable(String?), symbol(String), end
    }

    private let text: [Character]
    private var position = 0
    private var token: Token = .end
    private var tokenStart = 0

    /// Parses `text`, or throws a `MappingError` with the column of the problem.
    public static func parse(_ text: String) throws(MappingError) -> Expression {
        var parser = ExpressionParser(text: Array(text))
        try parser.advance()
        let expression = try parser.or()
        guard parser.token == .end else { throw parser.error("unexpected \(parser.describe(parser.token)) after the expression") }
        return expression
    }

    private init(text: [Character]) { self.text = text }

    private func error(_ message: String) -> MappingError {
        MappingError(.syntax, "\(message) (column \(tokenStart + 1) of \(String(text).debugDescription))")
    }

    private func describe(_ token: Token) -> String {
        switch token {
        case .number(let n): "number \(n)"
        case .string(let s): "string \(s.debugDescription)"
        case .name(let n): "'\(n)'"
        case .variable(let v): "$\(v ?? "")"
        case .symbol(let s): "'\(s)'"
        case .end: "the end"
        }
    }

    // MARK: Lexer

    private mutating func advance() throws(MappingError) {
        while position < text.count, text[position].isWhitespace { position += 1 }
        tokenStart = position
        guard position < text.count else {
            token = .end
            return
        }
        let c = text[position]
        if c.isNumber {
            var end = position
            while end < text.count, text[end].isNumber { end += 1 }
            if end + 1 < text.count, text[end] == ".", text[end + 1].isNumber {
                end += 1
                while end < text.count, text[end].isNumber { end += 1 }
            }
            token = .number(String(text[position..<end]))
            position = end
        } else if c == "'" || c == "\"" {
            var end = position + 1
            var value = ""
            while end < text.count, text[end] != c {
                if text[end] == "\\", end + 1 < text.count {
                    end += 1
                    switch text[end] {
                    case "n": value.append("\n")
                    case "t": value.append("\t")
                    default: value.append(text[end])
                    }
                } else {
                    value.append(text[end])
                }
                end += 1
            }
            guard end < text.count else { throw error("a string is not closed") }
            token = .string(value)
            position = end + 1
        } else if c == "$" {
            var end = position + 1
            while end < text.count, text[end].isLetter || text[end].isNumber || text[end] == "_" { end += 1 }
            token = .variable(end == position + 1 ? nil : String(text[(position + 1)..<end]))
            position = end
        } else if c.isLetter || c == "_" {
            var end = position
            while end < text.count, text[end].isLetter || text[end].isNumber || text[end] == "_" { end += 1 }
            token = .name(String(text[position..<end]))
            position = end
        } else {
            let two = position + 1 < text.count ? String(text[position...(position + 1)]) : ""
            if ["==", "!=", "<=", ">="].contains(two) {
                token = .symbol(two)
                position += 2
            } else if "+-*/<>()[],.?".contains(c) {
                token = .symbol(String(c))
                position += 1
            } else {
                throw error("'\(c)' is not part of the language")
            }
        }
    }

    private mutating func expect(_ symbol: String) throws(MappingError) {
        guard token == .symbol(symbol) else { throw error("expected '\(symbol)', found \(describe(token))") }
        try advance()
    }

    // MARK: Grammar

    private mutating func or() throws(MappingError) -> Expression {
        var left = try and()
        while token == .name("or") {
            try advance()
            left = .binary(.or, left, try and())
        }
        return left
    }

    private mutating func and() throws(MappingError) -> Expression {
        var left = try not()
        while token == .name("and") {
            try advance()
            left = .binary(.and, left, try not())
        }
        return left
    }

    private mutating func not() throws(MappingError) -> Expression {
        if token == .name("not") {
            try advance()
            return .unary(.not, try not())
        }
        return try compare()
    }

    private mutating func compare() throws(MappingError) -> Expression {
        let left = try sum()
        let operators: [String: Expression.BinaryOperator] = [
            "==": .equal, "!=": .notEqual, "<": .less, "<=": .lessOrEqual, ">": .greater, ">=": .greaterOrEqual,
        ]
        if case .symbol(let s) = token, let op = operators[s] {
            try advance()
            return .binary(op, left, try sum())
        }
        return left
    }

    private mutating func sum() throws(MappingError) -> Expression {
        var left = try product()
        while true {
            if token == .symbol("+") {
                try advance()
                left = .binary(.add, left, try product())
            } else if token == .symbol("-") {
                try advance()
                left = .binary(.subtract, left, try product())
            } else {
                return left
            }
        }
    }

    private mutating func product() throws(MappingError) -> Expression {
        var left = try unary()
        while true {
            if token == .symbol("*") {
                try advance()
                left = .binary(.multiply, left, try unary())
            } else if token == .symbol("/") {
                try advance()
                left = .binary(.divide, left, try unary())
            } else {
                return left
            }
        }
    }

    private mutating func unary() throws(MappingError) -> Expression {
        if token == .symbol("-") {
            try advance()
            return .unary(.negate, try unary())
        }
        return try postfix()
    }

    private mutating func postfix() throws(MappingError) -> Expression {
        var base = try primary()
        while true {
            if token == .symbol(".") {
                try advance()
                guard case .name(let name) = token else { throw error("expected a member name after '.', found \(describe(token))") }
                try advance()
                base = .member(base, name)
            } else if token == .symbol("[") {
                try advance()
                if token == .symbol("*") {
                    try advance()
                    try expect("]")
                    base = .every(base)
                } else {
                    let index = try or()
                    try expect("]")
                    base = .index(base, index)
                }
            } else {
                return base
            }
        }
    }

    private mutating func primary() throws(MappingError) -> Expression {
        switch token {
        case .number(let n):
            try advance()
            return .literal(.number(n))
        case .string(let s):
            try advance()
            return .literal(.string(s))
        case .variable(let name):
            try advance()
            return .root(name)
        case .name("true"):
            try advance()
            return .literal(.bool(true))
        case .name("false"):
            try advance()
            return .literal(.bool(false))
        case .name("null"):
            try advance()
            return .literal(.null)
        case .name(let name):
            try advance()
            guard token == .symbol("(") else {
                throw error("'\(name)' is not a value: write $.\(name) for the payload's member, or '\(name)' in quotes for text")
            }
            try advance()
            var arguments: [Expression] = []
            if token != .symbol(")") {
                arguments.append(try or())
                while token == .symbol(",") {
                    try advance()
                    arguments.append(try or())
                }
            }
            try expect(")")
            guard let arity = Functions.arity[name] else {
                throw error("there is no function \(name)(); the functions are \(Functions.arity.keys.sorted().joined(separator: ", "))")
            }
            guard arity.contains(arguments.count) else {
                throw error(
                    "\(name)() takes \(arity.lowerBound == arity.upperBound ? "\(arity.lowerBound)" : "\(arity.lowerBound)…\(arity.upperBound == .max ? "any" : "\(arity.upperBound)")") arguments, not \(arguments.count)"
                )
            }
            return .call(name, arguments)
        case .symbol("("):
            try advance()
            let inner = try or()
            try expect(")")
            return inner
        default:
            throw error("expected a value, found \(describe(token))")
        }
    }
}

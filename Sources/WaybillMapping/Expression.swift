import WaybillCore

/// An expression of the mapping language, parsed once and evaluated per payload.
///
/// The grammar (docs/mappings.md):
///
/// ```
/// expr    := or
/// or      := and ('or' and)*
/// and     := not ('and' not)*
/// not     := 'not' not | compare
/// compare := sum (('==' | '!=' | '<' | '<=' | '>' | '>=') sum)?
/// sum     := product (('+' | '-') product)*
/// product := unary (('*' | '/') unary)*
/// unary   := '-' unary | postfix
/// postfix := primary ('.' name | '[' expr ']' | '[*]' | '?')*
/// primary := number | string | 'true' | 'false' | 'null' | '$' | '$' name
///          | name '(' (expr (',' expr)*)? ')' | '(' expr ')'
/// ```
///
/// `$` is the payload, `$name` a variable bound by `each … as: name`; `[*]` maps the rest of the
/// path over every element of an array. Numbers are exact decimals, never binary floating point.
/// There is no assignment, loop or call out of the process: a mapping cannot run code.
public indirect enum Expression: Sendable, Equatable {
    case literal(JSONValue)
    /// `$` (name nil) or `$name`.
    case root(String?)
    /// `base.name`.
    case member(Expression, String)
    /// `base[index]` (a number, or a string for a member).
    case index(Expression, Expression)
    /// `base[*]`: the rest of the path applies to each element.
    case every(Expression)
    case unary(UnaryOperator, Expression)
    case binary(BinaryOperator, Expression, Expression)
    case call(String, [Expression])

    public enum UnaryOperator: String, Sendable { case negate = "-", not }

    public enum BinaryOperator: String, Sendable {
        case or, and
        case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
        case add = "+", subtract = "-", multiply = "*", divide = "/"
    }

    /// The value maps (`map('units', …)`) and variables the expression names, for `waybill check`.
    public var valueMapsNamed: [String] {
        var names: [String] = []
        visit { if case .call("map", let arguments) = $0, case .literal(.string(let name))? = arguments.first { names.append(name) } }
        return names
    }

    /// The variables (`$name`) the expression reads.
    public var variablesRead: [String] {
        var names: [String] = []
        visit { if case .root(let name?) = $0 { names.append(name) } }
        return names
    }

    func visit(_ body: (Expression) -> Void) {
        body(self)
        switch self {
        case .literal, .root: break
        case .member(let base, _), .every(let base), .unary(_, let base): base.visit(body)
        case .index(let base, let index):
            base.visit(body)
            index.visit(body)
        case .binary(_, let left, let right):
            left.visit(body)
            right.visit(body)
        case .call(_, let arguments): for argument in arguments { argument.visit(body) }
        }
    }
}

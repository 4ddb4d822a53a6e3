import Foundation

/// A band-math expression: `(nir - red) / (nir + red)`, `where(red > 0, nir / red, 0)`, `sqrt(green * red)`.
/// Parsed once, then compiled into a `BandMathProgram` that runs on whole SIMD vectors.
public indirect enum Expression: Sendable, Equatable, CustomStringConvertible {
    case number(Double)
    case variable(String)
    case unary(UnaryOperator, Expression)
    case binary(BinaryOperator, Expression, Expression)
    case call(Function, [Expression])

    public enum UnaryOperator: String, Sendable { case negate = "-", not = "!" }

    public enum BinaryOperator: String, Sendable, CaseIterable {
        case add = "+", subtract = "-", multiply = "*", divide = "/", power = "^"
        case less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">=", equal = "==", notEqual = "!="
        case and = "&&", or = "||"
    }

    public enum Function: String, Sendable, CaseIterable {
        case sqrt, abs, min, max, log, log10, exp, `where`, `if`

        var arity: ClosedRange<Int> {
            switch self {
            case .min, .max: return 2...16
            case .where, .if: return 3...3
            default: return 1...1
            }
        }
    }

    /// Every variable the expression reads, in order of first use.
    public var variables: [String] {
        var seen: [String] = []
        func visit(_ expression: Expression) {
            switch expression {
            case .number: break
            case .variable(let name): if !seen.contains(name) { seen.append(name) }
            case .unary(_, let operand): visit(operand)
            case .binary(_, let left, let right): visit(left); visit(right)
            case .call(_, let arguments): arguments.forEach(visit)
            }
        }
        visit(self)
        return seen
    }

    /// Replaces named constants by their values.
    public func substituting(_ values: [String: Double]) -> Expression {
        switch self {
        case .number: return self
        case .variable(let name): return values[name].map(Expression.number) ?? self
        case .unary(let op, let operand): return .unary(op, operand.substituting(values))
        case .binary(let op, let left, let right): return .binary(op, left.substituting(values), right.substituting(values))
        case .call(let function, let arguments): return .call(function, arguments.map { $0.substituting(values) })
        }
    }

    public var description: String {
        switch self {
        case .number(let value): return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .variable(let name): return name
        case .unary(let op, let operand): return "\(op.rawValue)(\(operand))"
        case .binary(let op, let left, let right): return "(\(left) \(op.rawValue) \(right))"
        case .call(let function, let arguments): return "\(function.rawValue)(\(arguments.map(\.description).joined(separator: ", ")))"
        }
    }
}

/// A syntax error, with the position in the text (from 1) where it was found.
public struct ExpressionError: Error, Equatable, CustomStringConvertible {
    public let text: String
    public let position: Int
    public let message: String
    public var description: String { "in expression '\(text)' at character \(position): \(message)" }
}

extension Expression {
    /// Parses an expression. Precedence, lowest first: `||`, `&&`, comparisons, `+ -`, `* /`, unary `- !`, `^`
    /// (right-associative, so `-x^2` is `-(x^2)` and `2^3^2` is `2^9`).
    public init(parsing text: String) throws {
        var parser = ExpressionParser(text: text)
        self = try parser.parseAll()
    }
}

private struct ExpressionParser {
    enum Token: Equatable {
        case number(Double), identifier(String), symbol(String), end
    }

    let text: String
    private var tokens: [(token: Token, position: Int)] = []
    private var index = 0

    init(text: String) { self.text = text }

    mutating func parseAll() throws -> Expression {
        tokens = try tokenize()
        let expression = try parseOr()
        guard case .end = current.token else { throw error("unexpected '\(describe(current.token))'") }
        return expression
    }

    private var current: (token: Token, position: Int) { tokens[index] }

    private func error(_ message: String, at position: Int? = nil) -> ExpressionError {
        ExpressionError(text: text, position: position ?? current.position, message: message)
    }

    private func describe(_ token: Token) -> String {
        switch token {
        case .number(let value): return String(value)
        case .identifier(let name): return name
        case .symbol(let symbol): return symbol
        case .end: return "end of expression"
        }
    }

    private mutating func accept(_ symbol: String) -> Bool {
        if case .symbol(symbol) = current.token { index += 1; return true }
        return false
    }

    private mutating func expect(_ symbol: String) throws {
        guard accept(symbol) else { throw error("expected '\(symbol)' but found '\(describe(current.token))'") }
    }

    private mutating func parseOr() throws -> Expression {
        var left = try parseAnd()
        while accept("||") || acceptKeyword("or") { left = .binary(.or, left, try parseAnd()) }
        return left
    }

    private mutating func parseAnd() throws -> Expression {
        var left = try parseComparison()
        while accept("&&") || acceptKeyword("and") { left = .binary(.and, left, try parseComparison()) }
        return left
    }

    private mutating func acceptKeyword(_ word: String) -> Bool {
        if case .identifier(word) = current.token { index += 1; return true }
        return false
    }

    private mutating func parseComparison() throws -> Expression {
        let left = try parseAdditive()
        for op in [Expression.BinaryOperator.lessOrEqual, .greaterOrEqual, .equal, .notEqual, .less, .greater] where accept(op.rawValue) {
            return .binary(op, left, try parseAdditive())
        }
        return left
    }

    private mutating func parseAdditive() throws -> Expression {
        var left = try parseMultiplicative()
        while true {
            if accept("+") { left = .binary(.add, left, try parseMultiplicative()) }
            else if accept("-") { left = .binary(.subtract, left, try parseMultiplicative()) }
            else { return left }
        }
    }

    private mutating func parseMultiplicative() throws -> Expression {
        var left = try parseUnary()
        while true {
            if accept("*") { left = .binary(.multiply, left, try parseUnary()) }
            else if accept("/") { left = .binary(.divide, left, try parseUnary()) }
            else { return left }
        }
    }

    private mutating func parseUnary() throws -> Expression {
        if accept("-") { return .unary(.negate, try parseUnary()) }
        if accept("+") { return try parseUnary() }
        if accept("!") { return .unary(.not, try parseUnary()) }
        return try parsePower()
    }

    private mutating func parsePower() throws -> Expression {
        let base = try parsePrimary()
        if accept("^") || accept("**") { return .binary(.power, base, try parseUnary()) }
        return base
    }

    private mutating func parsePrimary() throws -> Expression {
        let (token, position) = current
        switch token {
        case .number(let value):
            index += 1
            return .number(value)
        case .identifier(let name):
            index += 1
            guard accept("(") else { return .variable(name) }
            guard let function = Expression.Function(rawValue: name.lowercased()) else {
                throw error("unknown function '\(name)' (known: \(Expression.Function.allCases.map(\.rawValue).joined(separator: ", ")))",
                            at: position)
            }
            var arguments: [Expression] = []
            if !accept(")") {
                repeat { arguments.append(try parseOr()) } while accept(",")
                try expect(")")
            }
            guard function.arity.contains(arguments.count) else {
                throw error("\(function.rawValue) takes \(function.arity.lowerBound == function.arity.upperBound ? "\(function.arity.lowerBound)" : "\(function.arity.lowerBound) or more") argument(s), not \(arguments.count)",
                            at: position)
            }
            return .call(function, arguments)
        case .symbol("("):
            index += 1
            let inner = try parseOr()
            try expect(")")
            return inner
        default:
            throw error("expected a number, a band or '(' but found '\(describe(token))'")
        }
    }

    private func tokenize() throws -> [(token: Token, position: Int)] {
        let characters = Array(text)
        var result: [(token: Token, position: Int)] = []
        var offset = 0
        let symbols = ["**", "<=", ">=", "==", "!=", "&&", "||", "+", "-", "*", "/", "^", "(", ")", ",", "<", ">", "!"]
        while offset < characters.count {
            let character = characters[offset]
            if character.isWhitespace { offset += 1; continue }
            let start = offset
            if character.isNumber || (character == "." && offset + 1 < characters.count && characters[offset + 1].isNumber) {
                var end = offset
                while end < characters.count, characters[end].isNumber || characters[end] == "." { end += 1 }
                if end < characters.count, characters[end] == "e" || characters[end] == "E" {
                    var exponentEnd = end + 1
                    if exponentEnd < characters.count, characters[exponentEnd] == "+" || characters[exponentEnd] == "-" { exponentEnd += 1 }
                    if exponentEnd < characters.count, characters[exponentEnd].isNumber {
                        end = exponentEnd
                        while end < characters.count, characters[end].isNumber { end += 1 }
                    }
                }
                guard let value = Double(String(characters[start..<end])) else {
                    throw ExpressionError(text: text, position: start + 1, message: "'\(String(characters[start..<end]))' is not a number")
                }
                result.append((.number(value), start + 1))
                offset = end
            } else if character.isLetter || character == "_" {
                var end = offset
                while end < characters.count, characters[end].isLetter || characters[end].isNumber || characters[end] == "_" { end += 1 }
                result.append((.identifier(String(characters[start..<end])), start + 1))
                offset = end
            } else if let symbol = symbols.first(where: { symbol in
                let symbolCharacters = Array(symbol)
                return offset + symbolCharacters.count <= characters.count
                    && Array(characters[offset..<offset + symbolCharacters.count]) == symbolCharacters
            }) {
                result.append((.symbol(symbol), start + 1))
                offset += symbol.count
            } else {
                throw ExpressionError(text: text, position: start + 1, message: "unexpected character '\(character)'")
            }
        }
        result.append((.end, characters.count + 1))
        return result
    }
}

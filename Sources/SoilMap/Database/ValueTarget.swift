import Foundation

/// A target on a continuous indicator's value per unit and period, e.g. the action plan's soil organic matter of
/// at least 3 % in the main production areas (`>=3`), a ceiling (`<=40`), or a range (`3..5`). Bounds are
/// inclusive: a value exactly at the bound meets the target.
public struct ValueTarget: Sendable, Equatable {
    public var minimum: Double?
    public var maximum: Double?
    /// As the user wrote it (stored in `indicators.target`).
    public var text: String

    /// Parses `>=N`, `<=N` or `LOW..HIGH`.
    public init(parsing given: String) throws {
        let text = given.trimmingCharacters(in: .whitespaces)
        self.text = text
        func number(_ part: Substring) -> Double? {
            Double(part.trimmingCharacters(in: .whitespaces)).flatMap { $0.isFinite ? $0 : nil }
        }
        let failure = SoilMapError.invalidArgument("target '\(given)': expected >=N, <=N or LOW..HIGH (e.g. '>=3' for soil organic matter of at least 3 %)")
        if text.hasPrefix(">=") {
            guard let value = number(text.dropFirst(2)) else { throw failure }
            minimum = value
        } else if text.hasPrefix("<=") {
            guard let value = number(text.dropFirst(2)) else { throw failure }
            maximum = value
        } else if let range = text.range(of: "..") {
            guard let low = number(text[..<range.lowerBound]), let high = number(text[range.upperBound...]), low <= high else { throw failure }
            minimum = low
            maximum = high
        } else {
            throw failure
        }
    }

    public func isMet(by value: Double) -> Bool {
        (minimum.map { value >= $0 } ?? true) && (maximum.map { value <= $0 } ?? true)
    }
}

/// Viet Nam's degradation degrees (not, slightly, moderately, heavily degraded) from component maps by a weighted
/// score: score = the sum of the weights of the inputs that are degraded (equal to `degradedValue`); the degree is
/// 1 below the first break, 2 from it, 3 from the second, 4 from the third. With weights 1 and breaks 0.5, 1.5,
/// 2.5 (the defaults) it is the count rule of the `vn-degradation` scheme: 0, 1, 2, 3+ degraded components.
/// The rule is soilmap's convention, configurable; no Vietnamese regulation fixes weights.
public struct WeightedDegradation: Sendable, Equatable {
    public var degradedValue: Int
    public var weights: [Double]
    public var breaks: [Double]

    public static let defaultBreaks = [0.5, 1.5, 2.5]

    public init(degradedValue: Int, weights: [Double], breaks: [Double]) throws {
        guard !weights.isEmpty, weights.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw SoilMapError.invalidArgument("--weights: give one weight of 0 or more per map")
        }
        guard breaks.count == 3, breaks.allSatisfy(\.isFinite), breaks[0] < breaks[1], breaks[1] < breaks[2] else {
            throw SoilMapError.invalidArgument("--breaks \(breaks.map(numberText).joined(separator: ",")): give three increasing numbers (slight, moderate, heavy degradation from each)")
        }
        self.degradedValue = degradedValue
        self.weights = weights
        self.breaks = breaks
    }

    /// The degree 1...4 of a pixel's input values.
    @inline(__always)
    func degree(_ values: [Int]) -> Int {
        var score = 0.0
        for index in values.indices where values[index] == degradedValue { score += weights[index] }
        return score >= breaks[2] ? 4 : score >= breaks[1] ? 3 : score >= breaks[0] ? 2 : 1
    }

    /// The vn-degradation legend with this rule's intervals of the score.
    var scheme: ClassScheme {
        var scheme = BuiltInSchemes.vnDegradation
        scheme.unit = "weighted score of degraded components"
        scheme.source = "Viet Nam's degradation degrees; score = sum of the weights (\(weights.map(numberText).joined(separator: ", "))) of the maps equal to \(degradedValue), degrees from the breaks \(breaks.map(numberText).joined(separator: ", ")) (soilmap's convention)"
        let bounds: [Double?] = [nil] + breaks.map { Optional($0) } + [nil]
        for index in scheme.classes.indices {
            scheme.classes[index].min = bounds[index]
            scheme.classes[index].max = bounds[index + 1]
            scheme.classes[index].minClosed = true
            scheme.classes[index].maxClosed = false
        }
        return scheme
    }

    var description: String {
        "weighted degradation score (weights \(weights.map(numberText).joined(separator: ",")) of value \(degradedValue); breaks \(breaks.map(numberText).joined(separator: ",")))"
    }
}

extension CombineMethod {
    /// The value that means degraded, for the methods that count degraded inputs.
    var degradedValue: Int? {
        switch self {
        case .count(let value): return value
        case .weighted(let rule): return rule.degradedValue
        default: return nil
        }
    }
}

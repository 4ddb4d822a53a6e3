import Testing
@testable import SoilMap

@Suite struct ExpressionTests {
    @Test func precedenceAndAssociativity() throws {
        #expect(try Expression(parsing: "1 + 2 * 3").description == "(1 + (2 * 3))")
        #expect(try Expression(parsing: "-x^2").description == "-((x ^ 2))")
        #expect(try Expression(parsing: "2^3^2").description == "(2 ^ (3 ^ 2))")
        #expect(try Expression(parsing: "a - b - c").description == "((a - b) - c)")
        #expect(try Expression(parsing: "a < b && c >= 1 || !d").description == "(((a < b) && (c >= 1)) || !(d))")
        #expect(try Expression(parsing: "where(red > 0, nir / red, 0)").variables == ["red", "nir"])
        #expect(try Expression(parsing: "1.5e-3 * nir").description == "(0.0015 * nir)")
    }

    @Test func syntaxErrorsSayWhere() {
        let unbalanced = #expect(throws: ExpressionError.self) { try Expression(parsing: "(nir - red") }
        #expect(unbalanced?.description == "in expression '(nir - red' at character 11: expected ')' but found 'end of expression'")
        let unknown = #expect(throws: ExpressionError.self) { try Expression(parsing: "nir + foo(red)") }
        #expect(unknown?.position == 7)
        #expect(unknown?.message.hasPrefix("unknown function 'foo'") == true)
        #expect(throws: ExpressionError.self) { try Expression(parsing: "nir $ red") }
        #expect(throws: ExpressionError.self) { try Expression(parsing: "sqrt(nir, red)") }
        #expect(throws: ExpressionError.self) { try Expression(parsing: "nir red") }
    }

    /// Evaluates over a vector of pixels; expected values computed by hand.
    private func evaluate(_ text: String, _ inputs: [String: [Double]], constants: [String: Double] = [:]) throws -> [Float] {
        let names = inputs.keys.sorted()
        let count = inputs.values.first!.count
        let padded = (count + 15) / 16 * 16
        let program = try BandMathProgram(expression: try Expression(parsing: text), inputs: names, constants: constants)
        // Planes the test owns for the whole evaluation (a pointer out of withUnsafeBufferPointer must not outlive it).
        let planes = names.map { name -> UnsafeMutablePointer<Double> in
            let plane = UnsafeMutablePointer<Double>.allocate(capacity: padded)
            plane.initialize(repeating: 0, count: padded)
            for (index, value) in inputs[name]!.enumerated() { plane[index] = value }
            return plane
        }
        defer { planes.forEach { $0.deallocate() } }
        var output = [Float](repeating: 0, count: padded)
        program.evaluate(inputs: planes.map { UnsafePointer($0) }, count: count, output: &output, noData: -9999, scratch: program.makeScratch())
        return Array(output.prefix(count))
    }

    @Test func arithmeticFunctionsAndConditions() throws {
        let red: [Double] = [0.1, 0.2, 0, 0.5], nir: [Double] = [0.5, 0.2, 0, 0.25]
        #expect(try evaluate("(nir - red) / (nir + red)", ["red": red, "nir": nir]) == [Float(0.4 / 0.6), 0, -9999, Float(-0.25 / 0.75)])
        #expect(try evaluate("where(red > nir, 1, 2)", ["red": red, "nir": nir]) == [2, 2, 2, 1])
        #expect(try evaluate("max(red, nir, 0.3)", ["red": red, "nir": nir]) == [0.5, 0.3, 0.3, 0.5])
        #expect(try evaluate("min(red, nir) * 2", ["red": red, "nir": nir]) == [0.2, 0.4, 0, 0.5])
        #expect(try evaluate("sqrt(red - 0.15)", ["red": red]) == [-9999, Float((0.05 as Double).squareRoot()), -9999, Float((0.35 as Double).squareRoot())])
        #expect(try evaluate("abs(red - nir)", ["red": red, "nir": nir]) == [0.4, 0, 0, 0.25])
        #expect(try evaluate("log(nir)", ["nir": nir]) == [Float(log(0.5)), Float(log(0.2)), -9999, Float(log(0.25))])
        #expect(try evaluate("10^red", ["red": red]) == [Float(pow(10, 0.1)), Float(pow(10, 0.2)), 1, Float(pow(10, 0.5))])
        #expect(try evaluate("(1 + L) * nir", ["nir": nir], constants: ["L": 0.5]) == [0.75, Float(0.3), 0, 0.375])
        #expect(try evaluate("red == 0 || nir >= 0.25", ["red": red, "nir": nir]) == [1, 0, 1, 1])
    }

    @Test func noDataPropagatesEvenThroughConditions() throws {
        // A NaN input (nodata) must never produce a value, even where a condition would ignore it.
        let red: [Double] = [.nan, 0.2], nir: [Double] = [0.5, .nan]
        let conditional = try evaluate("where(red > 0, 1, nir)", ["red": red, "nir": nir])
        #expect(conditional == [-9999, -9999], "\(conditional)")
        #expect(try evaluate("7", ["red": red]) == [7, 7])
        #expect(try evaluate("red * 0 + 1", ["red": red]) == [-9999, 1])
    }

    @Test func unknownBandsAreNamed() {
        let error = #expect(throws: BandMathError.self) {
            try BandMathProgram(expression: try Expression(parsing: "(nir - rde) / L"), inputs: ["red", "nir"], constants: ["L": 1])
        }
        #expect(error?.description == "unknown band or constant 'rde' (bands given: red, nir)")
    }

    @Test func catalogueIsComplete() throws {
        #expect(IndexCatalogue.all.count == 15 + 24)
        #expect(Set(IndexCatalogue.all.map(\.id)).count == IndexCatalogue.all.count)
        for index in IndexCatalogue.all {
            let expression = try index.expression()
            #expect(!index.bands.isEmpty && index.bands.allSatisfy { BandRole.all.contains($0) }, "\(index.id)")
            _ = try BandMathProgram(expression: expression, inputs: BandRole.all, constants: index.constants)
            #expect(!index.source.isEmpty)
        }
        #expect(IndexCatalogue.index("ndsi")?.note.contains("snow") == true)
        #expect(IndexCatalogue.index("BI")?.formula == "sqrt(red^2 + nir^2)")
        #expect(IndexCatalogue.index("BSI")?.bands == ["swir1", "red", "nir", "blue"])
    }
}

import Foundation

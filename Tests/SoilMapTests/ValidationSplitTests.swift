import Foundation
import Testing
@testable import SoilMap

/// The train/validation split keeps a plot's (or a block's) cells together, is stratified and seeded; a sample per
/// polygon takes at most N cells of each, the same ones for a seed.
@Suite struct ValidationSplitTests {
    /// 40 plots of 10 cells in 4 classes (plot p is class p % 4), plot p's cells at x = 100 p + cell, y = 0.
    static func samples() -> TrainingSamples {
        var samples = TrainingSamples(featureCount: 1, features: [], targets: [], labels: ["a", "b", "c", "d"], plots: [],
                                      plotIDs: (0..<40).map { Int64(1000 + $0) }, x: [], y: [], droppedCells: 0, sampling: "test")
        for plot in 0..<40 {
            for cell in 0..<10 {
                samples.features.append(Double(plot * 10 + cell))
                samples.targets.append(Double(plot % 4))
                samples.plots.append(plot)
                samples.x.append(Double(100 * plot + cell))
                samples.y.append(0)
            }
        }
        return samples
    }

    @Test func plotsStayWholeStratifiedAndSeeded() throws {
        let samples = Self.samples()
        let split = try ValidationSplit.make(samples, classCount: 4, share: 0.3, blockSize: nil, seed: 4)
        let held = Set(split.validation.map { samples.plots[$0] }), kept = Set(split.training.map { samples.plots[$0] })
        #expect(held.isDisjoint(with: kept) && held.count + kept.count == 40)
        // 10 plots per class, 30 %: 3 plots (30 cells) of each class held out.
        for k in 0..<4 { #expect(held.filter { $0 % 4 == k }.count == 3) }
        #expect(Set(split.validationPlots) == Set(held.map { Int64(1000 + $0) }))
        let again = try ValidationSplit.make(samples, classCount: 4, share: 0.3, blockSize: nil, seed: 4)
        let other = try ValidationSplit.make(samples, classCount: 4, share: 0.3, blockSize: nil, seed: 5)
        #expect(again.validation == split.validation && other.validation != split.validation)
    }

    @Test func blocksStayWhole() throws {
        let samples = Self.samples()
        // Blocks of 250 m: cells x / 250 rounded down; plots 2 and 3 (x 200-209, 300-309) share block 1, ...
        let split = try ValidationSplit.make(samples, classCount: 4, share: 0.3, blockSize: 250, seed: 1)
        let block = { (i: Int) in Int((samples.x[i] / 250).rounded(.down)) }
        #expect(Set(split.validation.map(block)).isDisjoint(with: Set(split.training.map(block))))
        #expect(!split.validation.isEmpty && split.validationPlots.isEmpty && !split.validationBlocks.isEmpty)
        #expect(throws: SoilMapError.self) { try ValidationSplit.make(samples, classCount: 4, share: 1, blockSize: nil, seed: 1) }
    }

    @Test func aSampleOfCellsPerPolygon() throws {
        let bands = ClassifierTests.bands.map { try! PredictorList.source($0) }
        let plan = try InputPlan.make(sources: bands, mask: nil, scale: nil, offset: nil)
        func extract(_ limit: Int?, seed: UInt64) throws -> TrainingSamples {
            try TrainingSamples.extract(plots: ClassifierTests.polygons, layer: nil, field: "label", target: .category, plan: plan,
                                        predictors: bands, cellsPerPolygon: limit, seed: seed)
        }
        let all = try extract(nil, seed: 1), five = try extract(5, seed: 1), again = try extract(5, seed: 1), other = try extract(5, seed: 2)
        var perPlot: [Int: Int] = [:]
        for plot in five.plots { perPlot[plot, default: 0] += 1 }
        #expect(perPlot.values.allSatisfy { $0 <= 5 } && five.count < all.count && five.count > 50)
        #expect(five.sha256 == again.sha256 && five.sha256 != other.sha256)
        #expect(all.count == 1911 && all.emptyPlots.count == 5)
    }
}

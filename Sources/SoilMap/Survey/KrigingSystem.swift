import Foundation

/// Ordinary kriging at one place from a set of points: solves
///   Γ λ + μ 1 = γ₀,  1ᵀ λ = 1
/// (Γ: semivariances between the points, 0 on the diagonal; γ₀: semivariances to the place), giving the
/// estimate λᵀz and the kriging variance λᵀγ₀ + μ, as PyKrige and gstat define them. A point at the place
/// (within 1e-10) has semivariance 0 to it, so it is reproduced with variance 0.
///
/// Neighbouring cells mostly share their neighbour set: the LU factors of the last set are kept, and a cell with
/// the same set (in point order) only solves against them. The factors of a set are the same whether reused or
/// recomputed, so the results do not depend on the order cells are visited in.
struct KrigingSystem {
    let variogram: VariogramModel
    let field: SurveyField
    private var points: [Int] = []
    private var size = 0
    private var lu: [Double] = []
    private var pivots: [Int] = []
    private var singular = false
    private var rhs: [Double] = []

    init(variogram: VariogramModel, field: SurveyField) {
        self.variogram = variogram
        self.field = field
    }

    mutating func estimate(_ px: Double, _ py: Double, points chosen: [Int]) -> (value: Double, variance: Double) {
        if chosen != points { factorise(chosen) }
        guard !singular else { return (.nan, .nan) }
        let n = points.count
        if rhs.count < size { rhs = [Double](repeating: 0, count: size) }
        for (row, point) in points.enumerated() {
            let dx = field.x[point] - px, dy = field.y[point] - py
            rhs[row] = variogram.semivariance((dx * dx + dy * dy).squareRoot())
        }
        rhs[n] = 1
        var solution = rhs
        solve(&solution)
        var value = 0.0, variance = 0.0
        for row in 0..<n {
            value += solution[row] * field.z[points[row]]
            variance += solution[row] * rhs[row]
        }
        variance += solution[n]
        return (value, variance)
    }

    /// LU with partial pivoting of the bordered (n+1)² system.
    private mutating func factorise(_ chosen: [Int]) {
        points = chosen
        let n = chosen.count
        size = n + 1
        lu = [Double](repeating: 0, count: size * size)
        pivots = [Int](repeating: 0, count: size)
        singular = false
        for i in 0..<n {
            for j in (i + 1)..<max(i + 1, n) {
                let dx = field.x[chosen[i]] - field.x[chosen[j]], dy = field.y[chosen[i]] - field.y[chosen[j]]
                let gamma = variogram.semivariance((dx * dx + dy * dy).squareRoot())
                lu[i * size + j] = gamma
                lu[j * size + i] = gamma
            }
            lu[i * size + n] = 1
            lu[n * size + i] = 1
        }
        for column in 0..<size {
            var pivot = column, largest = abs(lu[column * size + column])
            for row in (column + 1)..<max(column + 1, size) where abs(lu[row * size + column]) > largest {
                largest = abs(lu[row * size + column])
                pivot = row
            }
            pivots[column] = pivot
            guard largest > 1e-300 else { singular = true; return }
            if pivot != column {
                for k in 0..<size { lu.swapAt(column * size + k, pivot * size + k) }
            }
            let diagonal = lu[column * size + column]
            for row in (column + 1)..<max(column + 1, size) {
                let factor = lu[row * size + column] / diagonal
                lu[row * size + column] = factor
                if factor != 0 {
                    for k in (column + 1)..<size { lu[row * size + k] -= factor * lu[column * size + k] }
                }
            }
        }
    }

    private func solve(_ vector: inout [Double]) {
        for column in 0..<size where pivots[column] != column { vector.swapAt(column, pivots[column]) }
        for row in 1..<max(1, size) {
            var sum = vector[row]
            for k in 0..<row { sum -= lu[row * size + k] * vector[k] }
            vector[row] = sum
        }
        for row in stride(from: size - 1, through: 0, by: -1) {
            var sum = vector[row]
            for k in (row + 1)..<max(row + 1, size) { sum -= lu[row * size + k] * vector[k] }
            vector[row] = sum / lu[row * size + row]
        }
    }
}

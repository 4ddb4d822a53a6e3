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
final class KrigingSystem {
    let variogram: VariogramModel
    let field: SurveyField
    private var points: [Int] = []
    private var size = 0
    private var singular = false
    /// The factors (size²), pivots, right-hand side and solution; raw buffers because this is the inner loop of
    /// every kriged cell (10^6-10^7 of them), and bounds-checked arrays would triple its cost.
    private var lu = UnsafeMutableBufferPointer<Double>(start: nil, count: 0)
    private var pivots = UnsafeMutableBufferPointer<Int>(start: nil, count: 0)
    private var rhs = UnsafeMutableBufferPointer<Double>(start: nil, count: 0)
    private var solution = UnsafeMutableBufferPointer<Double>(start: nil, count: 0)

    init(variogram: VariogramModel, field: SurveyField) {
        self.variogram = variogram
        self.field = field
    }

    deinit { release() }

    private func release() {
        lu.deallocate(); pivots.deallocate(); rhs.deallocate(); solution.deallocate()
    }

    private func reserve(_ size: Int) {
        guard pivots.count < size else { return }
        release()
        lu = .allocate(capacity: size * size)
        pivots = .allocate(capacity: size)
        rhs = .allocate(capacity: size)
        solution = .allocate(capacity: size)
    }

    func estimate(_ px: Double, _ py: Double, points chosen: [Int]) -> (value: Double, variance: Double) {
        if chosen != points { factorise(chosen) }
        guard !singular else { return (.nan, .nan) }
        let n = points.count
        let rhs = self.rhs, solution = self.solution
        field.x.withUnsafeBufferPointer { xs in
            field.y.withUnsafeBufferPointer { ys in
                for row in 0..<n {
                    let point = points[row]
                    let dx = xs[point] - px, dy = ys[point] - py
                    rhs[row] = variogram.semivariance((dx * dx + dy * dy).squareRoot())
                }
            }
        }
        rhs[n] = 1
        for row in 0...n { solution[row] = rhs[row] }
        solve(solution)
        var value = 0.0, variance = 0.0
        field.z.withUnsafeBufferPointer { zs in
            for row in 0..<n {
                value += solution[row] * zs[points[row]]
                variance += solution[row] * rhs[row]
            }
        }
        variance += solution[n]
        return (value, variance)
    }

    /// LU with partial pivoting of the bordered (n+1)² system.
    private func factorise(_ chosen: [Int]) {
        points = chosen
        let n = chosen.count
        size = n + 1
        reserve(size)
        let size = self.size, lu = self.lu, pivots = self.pivots
        singular = false
        field.x.withUnsafeBufferPointer { xs in
            field.y.withUnsafeBufferPointer { ys in
                for i in 0..<n {
                    lu[i * size + i] = 0
                    for j in (i + 1)..<max(i + 1, n) {
                        let dx = xs[chosen[i]] - xs[chosen[j]], dy = ys[chosen[i]] - ys[chosen[j]]
                        let gamma = variogram.semivariance((dx * dx + dy * dy).squareRoot())
                        lu[i * size + j] = gamma
                        lu[j * size + i] = gamma
                    }
                    lu[i * size + n] = 1
                    lu[n * size + i] = 1
                }
            }
        }
        lu[n * size + n] = 0
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
            let base = lu.baseAddress!, pivotRow = base + column * size
            for row in (column + 1)..<max(column + 1, size) {
                let factor = lu[row * size + column] / diagonal
                lu[row * size + column] = factor
                if factor != 0 {
                    // Row pointers, not index arithmetic: the loop vectorises; each element is the same a - f·b.
                    let target = base + row * size
                    for k in (column + 1)..<size { target[k] -= factor * pivotRow[k] }
                }
            }
        }
    }

    private func solve(_ vector: UnsafeMutableBufferPointer<Double>) {
        let size = self.size, lu = self.lu
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

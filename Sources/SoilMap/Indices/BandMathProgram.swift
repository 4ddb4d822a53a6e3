import Foundation

/// An expression compiled for evaluation over whole vectors of pixels.
///
/// Slots hold `chunkLength` values each: the inputs (views into the caller's planes), the constants (filled once)
/// and temporaries. Each instruction runs over the whole chunk with `SIMD8<Double>` arithmetic, so the switch on
/// the operation happens once per chunk, not once per pixel.
///
/// Why Float64 and not Float32: reflectances rounded to Float32 lose the digits that differences such as
/// `nir - red` or MSAVI's `2N+1 - sqrt(...)` depend on; measured on the Landsat sample, Float32 kernels were off by
/// up to 3e-4 relative (MSAVI) and 6e-5 (NDVI with an offset). In Float64 every index agrees with numpy to
/// Float32 rounding. The result is rounded to Float32 once, when written.
///
/// A pixel has a value only when every input it reads is valid (inputs carry NaN where they are nodata or
/// masked) and the result is finite: a zero denominator or a negative square root gives nodata, never Inf or NaN.
public struct BandMathProgram: Sendable {
    /// Values per slot and per evaluation step; a multiple of the vector width.
    public static let chunkLength = 1024
    typealias Vector = SIMD8<Double>
    typealias OutputVector = SIMD8<Float>

    enum Operation: Sendable {
        case add, subtract, multiply, divide, power, square, less, lessOrEqual, greater, greaterOrEqual, equal, notEqual, and, or
        case negate, not, sqrt, abs, log, log10, exp
        case min, max
        case select
    }

    struct Instruction: Sendable {
        var operation: Operation
        var operands: [Int]
        var destination: Int
    }

    /// The input names, in the order their planes are passed to `evaluate`.
    public let inputNames: [String]
    let constants: [Double]
    let temporaryCount: Int
    let instructions: [Instruction]
    let resultSlot: Int

    var slotCount: Int { inputNames.count + constants.count + temporaryCount }

    /// Compiles `expression`, whose variables must all be among `inputs` (band roles) once `constants` are
    /// substituted.
    public init(expression: Expression, inputs: [String], constants values: [String: Double] = [:]) throws {
        let substituted = expression.substituting(values)
        let unknown = substituted.variables.filter { !inputs.contains($0) }
        guard unknown.isEmpty else {
            throw BandMathError.unknownVariables(unknown, available: inputs)
        }
        var compiler = Compiler(inputNames: inputs)
        var result = try compiler.compile(substituted)
        // Validity: x - x is 0 for a finite input and NaN otherwise; adding it to the result propagates an input's
        // nodata into the result. Inputs whose non-finite values already reach the result through the arithmetic
        // (both sides of `nir - red`) need no such step: NDVI then costs three passes instead of five.
        let reachesResult = compiler.nonFiniteInputs(of: result)
        for name in substituted.variables where !reachesResult.contains(inputs.firstIndex(of: name)!) {
            let input = compiler.inputSlot(inputs.firstIndex(of: name)!)
            let zeroOrNaN = compiler.emit(.subtract, [input, input])
            result = compiler.emit(.add, [result, zeroOrNaN])
        }
        if case .number = substituted {
            // A constant expression still writes a plane.
            result = compiler.emit(.add, [result, compiler.constantSlot(0)])
        }
        inputNames = inputs
        constants = compiler.constants
        temporaryCount = compiler.temporaryCount
        instructions = compiler.instructions.map { instruction in
            var resolved = instruction
            resolved.operands = instruction.operands.map { compiler.resolve($0) }
            resolved.destination = compiler.resolve(instruction.destination)
            return resolved
        }
        resultSlot = compiler.resolve(result)
    }

    /// Scratch memory for one thread: constants and temporaries.
    public final class Scratch {
        let storage: UnsafeMutablePointer<Double>
        let slots: Int
        var pointers: [UnsafeMutablePointer<Double>]

        init(program: BandMathProgram) {
            slots = program.constants.count + program.temporaryCount
            storage = .allocate(capacity: max(slots, 1) * BandMathProgram.chunkLength)
            storage.initialize(repeating: 0, count: max(slots, 1) * BandMathProgram.chunkLength)
            for (index, value) in program.constants.enumerated() {
                (storage + index * BandMathProgram.chunkLength).update(repeating: value, count: BandMathProgram.chunkLength)
            }
            pointers = Array(repeating: storage, count: program.slotCount)
            for slot in 0..<slots {
                pointers[program.inputNames.count + slot] = storage + slot * BandMathProgram.chunkLength
            }
        }

        deinit { storage.deallocate() }
    }

    public func makeScratch() -> Scratch { Scratch(program: self) }

    /// Evaluates `count` pixels. `inputs[i]` points at the plane of `inputNames[i]`; every plane and `output`
    /// hold at least `count` rounded up to a multiple of 8 values (the padding is computed and ignored).
    /// Pixels without a value get `noData`.
    public func evaluate(inputs: [UnsafePointer<Double>], count: Int, output: UnsafeMutablePointer<Float>,
                         noData: Float, scratch: Scratch) {
        precondition(inputs.count == inputNames.count, "one plane per input")
        var start = 0
        while start < count {
            let length = Swift.min(BandMathProgram.chunkLength, count - start)
            let vectors = (length + Vector.scalarCount - 1) / Vector.scalarCount
            for (index, plane) in inputs.enumerated() {
                scratch.pointers[index] = UnsafeMutablePointer(mutating: plane + start)
            }
            for instruction in instructions {
                run(instruction, pointers: scratch.pointers, vectors: vectors)
            }
            finish(from: scratch.pointers[resultSlot], to: output + start, vectors: vectors, noData: noData)
            start += length
        }
    }

    @inline(__always)
    private func finish(from source: UnsafeMutablePointer<Double>, to destination: UnsafeMutablePointer<Float>, vectors: Int, noData: Float) {
        let raw = UnsafeMutableRawPointer(source), out = UnsafeMutableRawPointer(destination)
        let fill = OutputVector(repeating: noData), infinity = OutputVector(repeating: .infinity)
        for index in 0..<vectors {
            // Rounded to Float32 first, so a value too large for Float32 becomes nodata too.
            let value = OutputVector(raw.loadUnaligned(fromByteOffset: index * MemoryLayout<Vector>.stride, as: Vector.self))
            // NaN compares false, so NaN and ±Inf both become nodata.
            let finite = value.replacing(with: -value, where: value .< 0) .< infinity
            out.storeBytes(of: fill.replacing(with: value, where: finite), toByteOffset: index * MemoryLayout<OutputVector>.stride,
                           as: OutputVector.self)
        }
    }

    @inline(__always)
    private func run(_ instruction: Instruction, pointers: [UnsafeMutablePointer<Double>], vectors: Int) {
        let destination = pointers[instruction.destination]
        let a = pointers[instruction.operands[0]]
        let b = instruction.operands.count > 1 ? pointers[instruction.operands[1]] : a
        let zero = Vector(repeating: 0), one = Vector(repeating: 1)
        switch instruction.operation {
        case .add: binary(a, b, destination, vectors) { $0 + $1 }
        case .subtract: binary(a, b, destination, vectors) { $0 - $1 }
        case .multiply: binary(a, b, destination, vectors) { $0 * $1 }
        case .divide: binary(a, b, destination, vectors) { $0 / $1 }
        case .square: binary(a, a, destination, vectors) { x, _ in x * x }
        case .power: binary(a, b, destination, vectors) { x, y in
            var result = Vector()
            for lane in 0..<Vector.scalarCount { result[lane] = Foundation.pow(x[lane], y[lane]) }
            return result
        }
        case .less: binary(a, b, destination, vectors) { zero.replacing(with: one, where: $0 .< $1) }
        case .lessOrEqual: binary(a, b, destination, vectors) { zero.replacing(with: one, where: $0 .<= $1) }
        case .greater: binary(a, b, destination, vectors) { zero.replacing(with: one, where: $0 .> $1) }
        case .greaterOrEqual: binary(a, b, destination, vectors) { zero.replacing(with: one, where: $0 .>= $1) }
        case .equal: binary(a, b, destination, vectors) { zero.replacing(with: one, where: $0 .== $1) }
        case .notEqual: binary(a, b, destination, vectors) { zero.replacing(with: one, where: $0 .!= $1) }
        case .and: binary(a, b, destination, vectors) { zero.replacing(with: one, where: ($0 .!= zero) .& ($1 .!= zero)) }
        case .or: binary(a, b, destination, vectors) { zero.replacing(with: one, where: ($0 .!= zero) .| ($1 .!= zero)) }
        // NaN-propagating, as numpy's minimum/maximum: x - x is NaN exactly when x is NaN or infinite.
        case .min: binary(a, b, destination, vectors) { pointwiseMin($0, $1) + ($0 - $0) + ($1 - $1) }
        case .max: binary(a, b, destination, vectors) { pointwiseMax($0, $1) + ($0 - $0) + ($1 - $1) }
        case .negate: binary(a, a, destination, vectors) { x, _ in -x }
        case .not: binary(a, a, destination, vectors) { x, _ in zero.replacing(with: one, where: x .== zero) + (x - x) }
        case .sqrt: binary(a, a, destination, vectors) { x, _ in x.squareRoot() }
        case .abs: binary(a, a, destination, vectors) { x, _ in x.replacing(with: -x, where: x .< zero) }
        case .log: binary(a, a, destination, vectors) { x, _ in lanes(x, Foundation.log) }
        case .log10: binary(a, a, destination, vectors) { x, _ in lanes(x, Foundation.log10) }
        case .exp: binary(a, a, destination, vectors) { x, _ in lanes(x, Foundation.exp) }
        case .select:
            let c = pointers[instruction.operands[0]], t = pointers[instruction.operands[1]], f = pointers[instruction.operands[2]]
            let stride = MemoryLayout<Vector>.stride
            let rc = UnsafeRawPointer(c), rt = UnsafeRawPointer(t), rf = UnsafeRawPointer(f), rd = UnsafeMutableRawPointer(destination)
            for index in 0..<vectors {
                let condition = rc.loadUnaligned(fromByteOffset: index * stride, as: Vector.self)
                let whenTrue = rt.loadUnaligned(fromByteOffset: index * stride, as: Vector.self)
                let whenFalse = rf.loadUnaligned(fromByteOffset: index * stride, as: Vector.self)
                // A NaN condition has no answer: propagate it.
                let chosen = whenFalse.replacing(with: whenTrue, where: condition .!= zero) + (condition - condition)
                rd.storeBytes(of: chosen, toByteOffset: index * stride, as: Vector.self)
            }
        }
    }
}

@inline(__always)
private func binary(_ a: UnsafeMutablePointer<Double>, _ b: UnsafeMutablePointer<Double>, _ destination: UnsafeMutablePointer<Double>,
                    _ vectors: Int, _ operation: (BandMathProgram.Vector, BandMathProgram.Vector) -> BandMathProgram.Vector) {
    let stride = MemoryLayout<BandMathProgram.Vector>.stride
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b), rd = UnsafeMutableRawPointer(destination)
    for index in 0..<vectors {
        let x = ra.loadUnaligned(fromByteOffset: index * stride, as: BandMathProgram.Vector.self)
        let y = rb.loadUnaligned(fromByteOffset: index * stride, as: BandMathProgram.Vector.self)
        rd.storeBytes(of: operation(x, y), toByteOffset: index * stride, as: BandMathProgram.Vector.self)
    }
}

@inline(__always)
private func lanes(_ x: BandMathProgram.Vector, _ function: (Double) -> Double) -> BandMathProgram.Vector {
    var result = BandMathProgram.Vector()
    for lane in 0..<BandMathProgram.Vector.scalarCount { result[lane] = function(x[lane]) }
    return result
}

public enum BandMathError: Error, Equatable, CustomStringConvertible {
    case unknownVariables([String], available: [String])

    public var description: String {
        switch self {
        case .unknownVariables(let names, let available):
            return "unknown band or constant \(names.map { "'\($0)'" }.joined(separator: ", ")) (bands given: \(available.joined(separator: ", ")))"
        }
    }
}

/// Turns an expression tree into instructions. Slots are numbered virtually while compiling
/// (inputs, then constants, then temporaries) and resolved at the end.
private struct Compiler {
    enum Slot { case input(Int), constant(Int), temporary(Int) }

    let inputNames: [String]
    var constants: [Double] = []
    var temporaryCount = 0
    var instructions: [BandMathProgram.Instruction] = []
    private var slots: [Slot] = []
    /// For each virtual slot, the inputs whose non-finite values (NaN, ±Inf) are sure to make the slot's value
    /// non-finite.
    private var nonFinitePropagation: [Set<Int>] = []

    init(inputNames: [String]) { self.inputNames = inputNames }

    func resolve(_ virtual: Int) -> Int {
        switch slots[virtual] {
        case .input(let index): return index
        case .constant(let index): return inputNames.count + index
        case .temporary(let index): return inputNames.count + constants.count + index
        }
    }

    mutating func constantSlot(_ value: Double) -> Int {
        let index: Int
        if let existing = constants.firstIndex(where: { $0.bitPattern == value.bitPattern }) {
            index = existing
        } else {
            constants.append(value)
            index = constants.count - 1
        }
        slots.append(.constant(index))
        nonFinitePropagation.append([])
        return slots.count - 1
    }

    mutating func inputSlot(_ index: Int) -> Int {
        slots.append(.input(index))
        nonFinitePropagation.append([index])
        return slots.count - 1
    }

    mutating func emit(_ operation: BandMathProgram.Operation, _ operands: [Int]) -> Int {
        slots.append(.temporary(temporaryCount))
        nonFinitePropagation.append(Compiler.propagation(of: operation, operands.map { nonFinitePropagation[$0] }))
        temporaryCount += 1
        let destination = slots.count - 1
        instructions.append(.init(operation: operation, operands: operands, destination: destination))
        return destination
    }

    func nonFiniteInputs(of virtual: Int) -> Set<Int> { nonFinitePropagation[virtual] }

    /// Which operands' non-finite values always give a non-finite result. Not a divisor (x / inf is 0), not a
    /// power (pow(1, nan) is 1), not exp (exp(-inf) is 0), not a comparison; `not`, `min`, `max` and `select`
    /// add `x - x` of their operands (of the condition, for `select`) by construction.
    private static func propagation(of operation: BandMathProgram.Operation, _ operands: [Set<Int>]) -> Set<Int> {
        switch operation {
        case .add, .subtract, .multiply, .min, .max:
            return operands[0].union(operands[1])
        case .divide, .square, .negate, .not, .sqrt, .abs, .log, .log10, .select:
            return operands[0]
        case .power, .exp, .less, .lessOrEqual, .greater, .greaterOrEqual, .equal, .notEqual, .and, .or:
            return []
        }
    }

    mutating func compile(_ expression: Expression) throws -> Int {
        switch expression {
        case .number(let value):
            return constantSlot(value)
        case .variable(let name):
            return inputSlot(inputNames.firstIndex(of: name)!)
        case .unary(let op, let operand):
            let value = try compile(operand)
            return emit(op == .negate ? .negate : .not, [value])
        case .binary(.power, let base, .number(2)):
            return emit(.square, [try compile(base)])
        case .binary(.power, let base, .number(0.5)):
            return emit(.sqrt, [try compile(base)])
        case .binary(let op, let left, let right):
            let a = try compile(left), b = try compile(right)
            let operation: BandMathProgram.Operation
            switch op {
            case .add: operation = .add
            case .subtract: operation = .subtract
            case .multiply: operation = .multiply
            case .divide: operation = .divide
            case .power: operation = .power
            case .less: operation = .less
            case .lessOrEqual: operation = .lessOrEqual
            case .greater: operation = .greater
            case .greaterOrEqual: operation = .greaterOrEqual
            case .equal: operation = .equal
            case .notEqual: operation = .notEqual
            case .and: operation = .and
            case .or: operation = .or
            }
            return emit(operation, [a, b])
        case .call(let function, let arguments):
            let values = try arguments.map { try compile($0) }
            switch function {
            case .sqrt: return emit(.sqrt, values)
            case .abs: return emit(.abs, values)
            case .log: return emit(.log, values)
            case .log10: return emit(.log10, values)
            case .exp: return emit(.exp, values)
            case .where, .if: return emit(.select, values)
            case .min, .max:
                var result = values[0]
                for value in values.dropFirst() { result = emit(function == .min ? .min : .max, [result, value]) }
                return result
            }
        }
    }
}

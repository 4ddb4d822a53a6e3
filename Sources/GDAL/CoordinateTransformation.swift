import CGDAL

/// Transforms coordinates from one CRS to another, both in GIS axis order.
public final class CoordinateTransformation {
    let handle: OGRCoordinateTransformationH
    public let source: SpatialReference
    public let target: SpatialReference

    public init(from source: SpatialReference, to target: SpatialReference) throws {
        GDALRuntime.ensureInitialized()
        self.source = source
        self.target = target
        handle = try checkHandle("OCTNewCoordinateTransformation", path: nil) {
            OCTNewCoordinateTransformation(source.handle, target.handle)
        }
    }

    deinit { OCTDestroyCoordinateTransformation(handle) }

    /// Transforms points in place; throws when any point cannot be transformed.
    public func transform(x: inout [Double], y: inout [Double]) throws {
        precondition(x.count == y.count, "x and y must have the same length")
        guard !x.isEmpty else { return }
        var success = [Int32](repeating: 0, count: x.count)
        CPLErrorReset()
        let allDone = OCTTransformEx(handle, Int32(x.count), &x, &y, nil, &success)
        if allDone == 0 || success.contains(0) {
            let failed = success.firstIndex(of: 0) ?? 0
            throw GDALError.fromLastError(function: "OCTTransformEx", path: nil,
                                          fallback: "point \(failed) cannot be transformed from \(source.name) to \(target.name)")
        }
    }

    public func transform(x: Double, y: Double) throws -> (x: Double, y: Double) {
        var xs = [x], ys = [y]
        try transform(x: &xs, y: &ys)
        return (xs[0], ys[0])
    }

    /// Transforms an envelope, densifying its edges so that curved edges are enclosed.
    public func transform(_ envelope: Envelope, densifyPoints: Int = 21) throws -> Envelope {
        var result = Envelope(minX: 0, minY: 0, maxX: 0, maxY: 0)
        CPLErrorReset()
        guard OCTTransformBounds(handle, envelope.minX, envelope.minY, envelope.maxX, envelope.maxY,
                                 &result.minX, &result.minY, &result.maxX, &result.maxY, Int32(densifyPoints)) != 0 else {
            throw GDALError.fromLastError(function: "OCTTransformBounds", path: nil,
                                          fallback: "envelope cannot be transformed from \(source.name) to \(target.name)")
        }
        return result
    }
}

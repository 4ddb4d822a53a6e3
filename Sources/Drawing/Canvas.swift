import CCairo

/// A colour with components in 0...1.
public struct Colour: Sendable, Equatable {
    public var red, green, blue: Double
    public init(red: Double, green: Double, blue: Double) {
        self.red = red
        self.green = green
        self.blue = blue
    }
    public init(grey: Double) { self.init(red: grey, green: grey, blue: grey) }
    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.init(red: Double(red) / 255, green: Double(green) / 255, blue: Double(blue) / 255)
    }
}

public struct CanvasError: Error, Sendable, CustomStringConvertible {
    public let description: String
}

/// An image to draw maps, legends and text on, written as PNG: the Swift face of cairo, so no cairo handle reaches
/// the domain. Text in DejaVu Sans, which covers Vietnamese.
public final class Canvas {
    private let surface: OpaquePointer
    private let context: OpaquePointer
    public let width: Int
    public let height: Int

    public init(width: Int, height: Int, background: Colour = Colour(grey: 1)) throws(CanvasError) {
        let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(width), Int32(height))
        guard let surface, cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS else {
            if let surface { cairo_surface_destroy(surface) }
            throw CanvasError(description: "cannot create a \(width)x\(height) image")
        }
        guard let context = cairo_create(surface) else {
            cairo_surface_destroy(surface)
            throw CanvasError(description: "cannot draw on a \(width)x\(height) image")
        }
        self.surface = surface
        self.context = context
        self.width = width
        self.height = height
        setColour(background)
        cairo_paint(context)
    }

    deinit {
        cairo_destroy(context)
        cairo_surface_destroy(surface)
    }

    private func setColour(_ colour: Colour) { cairo_set_source_rgb(context, colour.red, colour.green, colour.blue) }

    /// A filled rectangle, with an outline of width 1 when `outline` is given.
    public func fillRectangle(x: Double, y: Double, width: Double, height: Double, colour: Colour, outline: Colour? = nil) {
        setColour(colour)
        cairo_rectangle(context, x, y, width, height)
        guard let outline else { cairo_fill(context); return }
        cairo_fill_preserve(context)
        setColour(outline)
        cairo_set_line_width(context, 1)
        cairo_stroke(context)
    }

    public func strokeRectangle(x: Double, y: Double, width: Double, height: Double, colour: Colour, lineWidth: Double = 1) {
        setColour(colour)
        cairo_set_line_width(context, lineWidth)
        cairo_rectangle(context, x, y, width, height)
        cairo_stroke(context)
    }

    /// Text with its baseline starting at (x, y).
    public func text(_ text: String, x: Double, y: Double, size: Double, bold: Bool = false, colour: Colour = Colour(grey: 0.1)) {
        cairo_select_font_face(context, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(context, size)
        setColour(colour)
        cairo_move_to(context, x, y)
        cairo_show_text(context, text)
    }

    /// Draws `width` x `height` opaque pixels (0xAARRGGBB, row by row) with their top-left corner at (x, y).
    public func image(pixels: [UInt32], width: Int, height: Int, x: Double, y: Double) throws(CanvasError) {
        precondition(pixels.count == width * height, "pixels must hold width x height values")
        guard let image = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(width), Int32(height)),
              cairo_surface_status(image) == CAIRO_STATUS_SUCCESS else {
            throw CanvasError(description: "cannot create a \(width)x\(height) map image")
        }
        defer { cairo_surface_destroy(image) }
        cairo_surface_flush(image)
        let stride = Int(cairo_image_surface_get_stride(image))
        let data = cairo_image_surface_get_data(image)!
        pixels.withUnsafeBufferPointer { source in
            for row in 0..<height {
                let line = UnsafeMutableRawPointer(data + row * stride).assumingMemoryBound(to: UInt32.self)
                line.update(from: source.baseAddress! + row * width, count: width)
            }
        }
        cairo_surface_mark_dirty(image)
        cairo_set_source_surface(context, image, x, y)
        cairo_paint(context)
    }

    /// Writes the image as PNG; cairo's words when it cannot.
    public func writePNG(to path: String) throws(CanvasError) {
        cairo_surface_flush(surface)
        let status = cairo_surface_write_to_png(surface, path)
        guard status == CAIRO_STATUS_SUCCESS else { throw CanvasError(description: String(cString: cairo_status_to_string(status))) }
    }
}

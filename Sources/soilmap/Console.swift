import Dispatch
import Foundation
import SoilMap

/// Standard error and the signals that stop a run: the only places the command line talks to the terminal
/// outside of `print`.
enum Console {
    /// Writes to stderr with write(2), ignoring failures: a closed or full stderr (`2>/dev/full`, a full log disk)
    /// must never crash a run that already wrote its outputs (FileHandle.write raises an uncatchable exception).
    static func error(_ text: String) { writeLine(text, to: STDERR_FILENO) }

    /// A line on stdout, written at once (JSON logs read by another program as they come).
    static func output(_ text: String) { writeLine(text, to: STDOUT_FILENO) }

    private static func writeLine(_ text: String, to descriptor: Int32) {
        var bytes = Array(text.utf8)
        if bytes.last != UInt8(ascii: "\n") { bytes.append(UInt8(ascii: "\n")) }
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }
                offset += written
            }
        }
    }

    /// Partial lines (a progress bar): like `error`, without the added newline.
    static func errorFragment(_ text: String) {
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { buffer in _ = write(STDERR_FILENO, buffer.baseAddress!, buffer.count) }
    }

    static func warning(_ text: String) { error("soilmap: warning: \(text)") }

    /// Warnings printed as they come, unless quiet.
    static func diagnostics(quiet: Bool) -> Diagnostics {
        guard !quiet else { return Diagnostics() }
        let print: @Sendable (String) -> Void = { message in warning(message) }
        return Diagnostics(onWarning: print)
    }

    /// SIGINT and SIGTERM (Ctrl-C, cron and Slurm time limits) stop the run: temporary files are removed, one
    /// line says so, and the exit status is 128 + the signal (130, 143), as shells report it. SIGPIPE is
    /// ignored so a closed pipe is an error of the write, not a silent death.
    static func installSignalHandlers() {
        // A descriptor 0-2 closed by the caller (`2>&-`) would be handed to the next file opened, the output
        // among them, and stderr's lines written into it: give each closed one /dev/null.
        for descriptor in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] where fcntl(descriptor, F_GETFD) == -1 {
            let null = open("/dev/null", O_RDWR)
            if null >= 0, null != descriptor { dup2(null, descriptor); close(null) }
        }
        signal(SIGPIPE, SIG_IGN)
        // The two are blocked in every thread (threads inherit the mask of the one that starts them) and taken by
        // one thread waiting in sigwait: one that arrives early stays pending until then, and a mask inherited
        // from the parent (a dispatch worker's, as Foundation's Process passes on) changes nothing.
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGINT)
        sigaddset(&stopSignals, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &stopSignals, nil)
        let waited = stopSignals
        let waiter = Thread {
            var set = waited
            var number: Int32 = 0
            while sigwait(&set, &number) != 0 {}
            let removed = TemporaryFiles.removeAll()
            error("\nsoilmap: stopped by \(number == SIGINT ? "SIGINT" : "SIGTERM"); \(removed) temporary file\(removed == 1 ? "" : "s") removed, nothing half-written left")
            _exit(128 + number)
        }
        waiter.start()
    }
}

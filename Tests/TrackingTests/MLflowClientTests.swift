import Foundation
import Testing

@testable import Tracking

#if canImport(Glibc)
  import Glibc
#endif

/// A TCP listener on 127.0.0.1 that accepts connections and never answers (a hung server), or whose
/// port is closed again at once (nothing listening).
final class SilentServer {
  let fd: Int32
  let port: Int
  /// Without `listening` the port is bound but refuses connections, and stays reserved (no other
  /// socket can take it) until `close`.
  init(listening: Bool = true) throws {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    self.fd = fd
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
    guard bound == 0, !listening || listen(fd, 8) == 0 else {
      _ = Glibc.close(fd)
      throw TrackingError(message: "cannot listen")
    }
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    port = Int(UInt16(bigEndian: addr.sin_port))
  }
  func close() { _ = Glibc.close(fd) }
}

@Suite("The MLflow client: its URL, names and a server that does not answer")
struct MLflowClientTests {
  @Test("the tracking URL must be http(s) with a host; trailing slashes go")
  func urls() throws {
    #expect(try MLflowClient(uri: "http://127.0.0.1:5000///").base == "http://127.0.0.1:5000")
    for bad in ["127.0.0.1:5000", "ftp://host", "http://", "mlflow"] {
      do {
        _ = try MLflowClient(uri: bad)
        Issue.record("accepted \(bad)")
      } catch {
        #expect("\(error)".contains("--mlflow takes the tracking server's URL"))
      }
    }
  }

  @Test("metric and param names keep letters, digits and _ - . / space; anything else becomes _")
  func names() {
    #expect(MLflowClient.name("IoU/road (px)") == "IoU/road _px_")
    #expect(MLflowClient.name("car\u{1B}[2J") == "car__2J")
    #expect(MLflowClient.name("vägen") == "v_gen")
  }

  @Test("a closed port says nothing accepts connections; a silent server misses its deadline once, then every call fails at once")
  func unreachable() throws {
    // A port bound without listening: closed, and no other test's server can take it meanwhile (a
    // port closed before the call once went to one that accepted and stayed silent).
    let closed = try SilentServer(listening: false)
    defer { closed.close() }
    do {
      _ = try MLflowClient(uri: "http://127.0.0.1:\(closed.port)", requestSeconds: 3).experimentId(name: "e")
      Issue.record("a closed port answered")
    } catch {
      #expect("\(error)".contains("nothing accepts connections there"), "\(error)")
    }
    let silent = try SilentServer()
    defer { silent.close() }
    let client = try MLflowClient(uri: "http://127.0.0.1:\(silent.port)", requestSeconds: 1)
    let start = Date()
    #expect(throws: TrackingError.self) { try client.experimentId(name: "e") }
    let first = Date().timeIntervalSince(start)
    #expect(first < 10, "\(first) s")
    let again = Date()
    do {
      _ = try client.experimentId(name: "e")
      Issue.record("answered")
    } catch {
      #expect("\(error)".contains("no answer") && "\(error)".contains("within 1 s"), "\(error)")
    }
    #expect(Date().timeIntervalSince(again) < 0.5, "the second call is not asked again")
  }
}

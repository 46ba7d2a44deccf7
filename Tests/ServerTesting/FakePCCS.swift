import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization
import Wire

/// A PCCS on a loopback port, answering the four requests a TDX guest makes for its
/// collateral as Intel's PCS and PCCS answer them: TCB info and QE identity wrapped with their
/// signatures and their issuer chains percent-encoded in headers, the PCK CRL as DER and the
/// root CA CRL as hexadecimal text. Its content is the collateral (dcap-qvl's JSON) it is given.
public final class FakePCCS: Sendable {
    public let port: Int
    private let task: Task<Void, any Error>
    private let state: State

    final class State: Sendable {
        let value = Mutex<(requests: [String], failing: Bool)>(([], false))
    }

    public var url: String { "http://127.0.0.1:\(port)" }
    /// Each request's path and query, in order.
    public var requests: [String] { state.value.withLock { $0.requests } }
    /// While true, every request is answered 503.
    public func setFailing(_ failing: Bool) { state.value.withLock { $0.failing = failing } }

    public static func start(collateral: [UInt8]) async throws -> FakePCCS {
        let fields = try JSONDecoder().decode([String: String].self, from: Data(collateral))
        func field(_ name: String) -> String { fields[name] ?? "" }
        func encoded(_ pem: String) -> String {
            pem.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? pem
        }
        let state = State()
        let router = Router()
        func answer(_ path: String, _ make: @escaping @Sendable () -> Response) {
            router.get(RouterPath(path)) { request, _ -> Response in
                let failing = state.value.withLock { s -> Bool in
                    s.requests.append(request.uri.description)
                    return s.failing
                }
                return failing ? Response(status: .serviceUnavailable) : make()
            }
        }
        let tcb = "{\"tcbInfo\": \(field("tcb_info")), \"signature\": \"\(field("tcb_info_signature"))\"}"
        let identity =
            "{\"enclaveIdentity\":\(field("qe_identity")),\"signature\":\"\(field("qe_identity_signature"))\"}"
        let pckCRL = (try? Hex.decode(field("pck_crl"))) ?? []
        let tcbChain = encoded(field("tcb_info_issuer_chain"))
        let identityChain = encoded(field("qe_identity_issuer_chain"))
        let crlChain = encoded(field("pck_crl_issuer_chain"))
        let rootCRL = field("root_ca_crl")
        answer("/tdx/certification/v4/tcb") {
            Response(
                status: .ok, headers: [.init("TCB-Info-Issuer-Chain")!: tcbChain],
                body: ResponseBody(byteBuffer: ByteBuffer(string: tcb)))
        }
        answer("/tdx/certification/v4/qe/identity") {
            Response(
                status: .ok, headers: [.init("SGX-Enclave-Identity-Issuer-Chain")!: identityChain],
                body: ResponseBody(byteBuffer: ByteBuffer(string: identity)))
        }
        answer("/sgx/certification/v4/pckcrl") {
            Response(
                status: .ok, headers: [.init("SGX-PCK-CRL-Issuer-Chain")!: crlChain],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: pckCRL)))
        }
        answer("/sgx/certification/v4/rootcacrl") {
            Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: rootCRL)))
        }
        let started = try await ListeningApplication.start { listening in
            Application(
                router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: { listening($0.localAddress?.port ?? 0) },
                logger: Logger(label: "fake-pccs") { _ in SwiftLogNoOpLogHandler() })
        }
        return FakePCCS(port: started.port, task: started.task, state: state)
    }

    private init(port: Int, task: Task<Void, any Error>, state: State) {
        self.port = port
        self.task = task
        self.state = state
    }

    deinit { task.cancel() }
}

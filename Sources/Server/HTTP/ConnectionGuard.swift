import HTTPTypes
import NIOCore
import NIOHTTPTypes
import Synchronization

/// Keeps connections that send no request from holding the server's descriptors (issue 21):
/// a connection must send a request head within the header timeout of opening or of its
/// previous answer, and when more connections wait for their head than `WaitingConnections`
/// admits, the one waiting longest is closed. A flood of half-open connections thus evicts
/// itself, while a client that sends its request at once is answered.
///
/// It also ends a connection once an answer marked `Connection: close` is written: the server
/// refuses some requests before reading their body (no session, over a cap, over the memory
/// budget), and closing spares it from reading and discarding the rest.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let headerTimeout: TimeAmount
    private let waiting: WaitingConnections
    private var ticket: WaitingConnections.Ticket?
    private var timer: Scheduled<Void>?
    /// Requests whose head arrived and whose answer has not ended.
    private var requestsInProgress = 0
    private var closeAfterAnswer = false

    init(headerTimeout: TimeAmount, waiting: WaitingConnections) {
        self.headerTimeout = headerTimeout
        self.waiting = waiting
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startWaiting(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stopWaiting()
    }

    func channelActive(context: ChannelHandlerContext) {
        startWaiting(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stopWaiting()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            requestsInProgress += 1
            stopWaiting()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let response):
            if response.headerFields[.connection]?.lowercased() == "close" { closeAfterAnswer = true }
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            requestsInProgress -= 1
            if closeAfterAnswer {
                let written = promise ?? context.eventLoop.makePromise()
                context.writeAndFlush(data, promise: written)
                let channel = context.channel
                written.futureResult.whenComplete { _ in channel.close(promise: nil) }
                return
            }
            context.write(data, promise: promise)
            if requestsInProgress == 0 { startWaiting(context) }
        }
    }

    private func startWaiting(_ context: ChannelHandlerContext) {
        guard ticket == nil, context.channel.isActive else { return }
        let channel = context.channel
        ticket = waiting.add(channel)
        timer = context.eventLoop.scheduleTask(in: headerTimeout) { channel.close(promise: nil) }
    }

    private func stopWaiting() {
        timer?.cancel()
        timer = nil
        if let ticket { waiting.remove(ticket) }
        ticket = nil
    }
}

/// The connections waiting for a request head, oldest first, across every event loop: past
/// `limit`, adding one closes the oldest.
final class WaitingConnections: Sendable {
    /// A waiting connection's place in the line.
    struct Ticket: Hashable {
        fileprivate let number: UInt64
    }

    private struct State {
        var channels: [UInt64: any Channel] = [:]
        var next: UInt64 = 0
        /// No live ticket is below this: the oldest is found by walking up from here.
        var oldest: UInt64 = 0
    }

    /// Most connections that may wait for their head at once.
    let limit: Int
    private let state = Mutex(State())

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Puts `channel` in line; closes the connection waiting longest when the line is full.
    func add(_ channel: any Channel) -> Ticket {
        let (ticket, evicted) = state.withLock { state -> (Ticket, (any Channel)?) in
            let number = state.next
            state.next += 1
            state.channels[number] = channel
            guard state.channels.count > limit else { return (Ticket(number: number), nil) }
            while state.channels[state.oldest] == nil { state.oldest += 1 }
            return (Ticket(number: number), state.channels.removeValue(forKey: state.oldest))
        }
        evicted?.close(promise: nil)
        return ticket
    }

    /// Takes a connection out of the line (its head arrived, or it closed).
    func remove(_ ticket: Ticket) {
        state.withLock { _ = $0.channels.removeValue(forKey: ticket.number) }
    }

    /// Connections waiting now (tests and metrics).
    var count: Int { state.withLock { $0.channels.count } }
}

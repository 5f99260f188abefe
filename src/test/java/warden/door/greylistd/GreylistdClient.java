package warden.door.greylistd;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A greylistd client as greylistd's clients frame a request: Exim's {@code ${readsocket}} (the
 * request, then a shut-down write side), a script (the request and a newline), or greylistd's
 * {@code greylist} tool (the request, socket left open). Reads the answer to end of file.
 */
final class GreylistdClient {

    /** How the request is ended. */
    enum Framing { SHUTDOWN, NEWLINE, OPEN }

    private GreylistdClient() {}

    /** Connects to a socket file ({@link Path}) or a loopback port ({@link InetSocketAddress}). */
    static SocketChannel connect(Object address) throws IOException {
        if (address instanceof Path p) return SocketChannel.open(UnixDomainSocketAddress.of(p));
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.INET);
        ch.connect((InetSocketAddress) address);
        return ch;
    }

    static String ask(Object address, String request, Framing framing) throws IOException {
        return ask(address, request.getBytes(StandardCharsets.UTF_8), framing);
    }

    static String ask(Object address, byte[] request, Framing framing) throws IOException {
        try (SocketChannel ch = connect(address)) {
            ByteBuffer b = ByteBuffer.wrap(request);
            while (b.hasRemaining()) ch.write(b);
            if (framing == Framing.NEWLINE) ch.write(ByteBuffer.wrap(new byte[] {'\n'}));
            if (framing == Framing.SHUTDOWN) ch.shutdownOutput();
            return readAll(ch);
        }
    }

    static String readAll(SocketChannel ch) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(8192);
        while (ch.read(buf) >= 0) {
            out.write(buf.array(), 0, buf.position());
            buf.clear();
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}

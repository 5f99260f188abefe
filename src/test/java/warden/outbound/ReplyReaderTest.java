package warden.outbound;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Replies from a hostile server over a real loopback socket. */
@Timeout(20)
class ReplyReaderTest {

    private static PeerReply read(String bytes, Duration timeout) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
             Socket peer = server.accept()) {
            Thread.ofVirtual().start(() -> {
                try {
                    peer.getOutputStream().write(bytes.getBytes(StandardCharsets.UTF_8));
                    peer.getOutputStream().flush();
                } catch (IOException ignored) {
                    // the reader gave up
                }
            });
            return new ReplyReader(client).read(timeout);
        }
    }

    @Test
    void readsAMultiLineReplyWithItsStatus() throws Exception {
        PeerReply r = read("250-first\r\n250-2.1.0 second\r\n250 third\r\n", Duration.ofSeconds(5));
        assertThat(r.code()).isEqualTo(250);
        assertThat(r.lines()).containsExactly("first", "2.1.0 second", "third");
        PeerReply s = read("550 5.1.1 <x@y>: no such user\r\n", Duration.ofSeconds(5));
        assertThat(s.status()).isEqualTo("5.1.1");
        assertThat(s.text()).isEqualTo("<x@y>: no such user");
        assertThat(read("451 no code\r\n", Duration.ofSeconds(5)).status()).isEqualTo("4.0.0");
    }

    @Test
    void escapesControlsInTheText() throws Exception {
        PeerReply r = read("550 5.7.1 evil\u001b[31m\rred\r\n", Duration.ofSeconds(5));
        assertThat(r.text()).isEqualTo("evil\\x1b[31m\\x0dred");
    }

    @Test
    void refusesOverlongLinesEndlessRepliesAndGarbage() {
        assertThatThrownBy(() -> read("250 " + "x".repeat(10_000) + "\r\n", Duration.ofSeconds(5)))
                .hasMessageContaining("longer than");
        assertThatThrownBy(() -> read("250-x\r\n".repeat(500) + "250 x\r\n", Duration.ofSeconds(5)))
                .hasMessageContaining("lines");
        assertThatThrownBy(() -> read("HTTP/1.1 400 Bad Request\r\n", Duration.ofSeconds(5)))
                .hasMessageContaining("malformed");
    }

    @Test
    void aReplyThatNeverEndsTimesOut() {
        assertThatThrownBy(() -> read("250-still going\r\n", Duration.ofMillis(300)))
                .isInstanceOf(java.net.SocketTimeoutException.class);
    }
}

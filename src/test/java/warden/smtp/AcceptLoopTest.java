package warden.smtp;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** The accept loop backs off while accept fails (EMFILE) instead of spinning, and recovers. */
class AcceptLoopTest {

    /** A listening socket whose accept fails as a process out of file descriptors sees it. */
    static final class ScriptedServerSocket extends ServerSocket {
        private final List<Object> script; // an IOException to throw, or a Socket to return
        private final AtomicBoolean stop;

        ScriptedServerSocket(List<Object> script, AtomicBoolean stop) throws IOException {
            this.script = new ArrayList<>(script);
            this.stop = stop;
        }

        @Override
        public Socket accept() throws IOException {
            if (script.isEmpty()) {
                stop.set(true);
                throw new IOException("closed");
            }
            Object next = script.removeFirst();
            if (next instanceof IOException e) throw e;
            return (Socket) next;
        }
    }

    @Test
    void acceptFailuresBackOffDoublingAndASuccessResetsTheBackOff() throws Exception {
        IOException emfile = new IOException("Too many open files");
        Socket one = new Socket();
        Socket two = new Socket();
        AtomicBoolean stop = new AtomicBoolean();
        List<Object> script = new ArrayList<>();
        for (int i = 0; i < 9; i++) script.add(emfile);
        script.add(one);
        script.add(emfile);
        script.add(emfile);
        script.add(two);
        List<Duration> pauses = new ArrayList<>();
        List<Socket> handled = new ArrayList<>();
        try (ServerSocket ss = new ScriptedServerSocket(script, stop)) {
            new AcceptLoop(ss, "test", handled::add, pauses::add, stop::get).run();
        }
        assertThat(handled).containsExactly(one, two);
        assertThat(pauses).containsExactly(ms(10), ms(20), ms(40), ms(80), ms(160), ms(320), ms(640), ms(1000), ms(1000),
                ms(10), ms(20));
    }

    @Test
    void aHandlerThatThrowsCostsOneConnectionNotTheLoop() throws Exception {
        Socket one = new Socket();
        Socket two = new Socket();
        AtomicBoolean stop = new AtomicBoolean();
        List<Socket> handled = new ArrayList<>();
        try (ServerSocket ss = new ScriptedServerSocket(List.of(one, two), stop)) {
            new AcceptLoop(ss, "test", s -> {
                handled.add(s);
                if (s == one) throw new OutOfMemoryError("unable to create native thread");
            }, d -> {}, stop::get).run();
        }
        assertThat(handled).containsExactly(one, two);
        assertThat(one.isClosed()).isTrue();
    }

    private static Duration ms(long millis) {
        return Duration.ofMillis(millis);
    }
}

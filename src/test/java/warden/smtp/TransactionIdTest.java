package warden.smtp;

import org.junit.jupiter.api.Test;

import java.net.URL;
import java.net.URLClassLoader;

import static org.assertj.core.api.Assertions.assertThat;

/** Queue ids stay unique when the time and the pid repeat: a restart within a second, a container's pid 1. */
class TransactionIdTest {

    @Test
    void twoRunsInTheSameSecondWithTheSamePidGiveDifferentIds() throws Exception {
        // Before: the prefix was start second + pid, so two runs in one second (or two containers,
        // both pid 1) gave the same ids, and a spool file of the second run failed "queue id in use".
        String first = nextInFreshClassLoader();
        String second = nextInFreshClassLoader();
        assertThat(first).matches("[0-9A-Za-z]{6}-[0-9A-Za-z]{8}-000001");
        assertThat(second).endsWith("-000001").isNotEqualTo(first);
    }

    @Test
    void theRandomPartIsWhatDiffers() {
        assertThat(TransactionId.prefix(1_795_522_830L, 1)).isNotEqualTo(TransactionId.prefix(1_795_522_830L, 2));
        assertThat(TransactionId.prefix(1_795_522_830L, -1)).matches("[0-9A-Za-z]{6}-[0-9A-Za-z]{8}");
        assertThat(TransactionId.next()).isNotEqualTo(TransactionId.next());
    }

    private static String nextInFreshClassLoader() throws Exception {
        URL classes = TransactionId.class.getProtectionDomain().getCodeSource().getLocation();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes}, ClassLoader.getPlatformClassLoader())) {
            Class<?> type = loader.loadClass(TransactionId.class.getName());
            assertThat(type).isNotSameAs(TransactionId.class);
            return (String) type.getMethod("next").invoke(null);
        }
    }
}

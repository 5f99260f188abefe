package warden.auth;

import org.apache.commons.codec.digest.Sha2Crypt;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.bouncycastle.crypto.params.Argon2Parameters;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The password schemes of Dovecot's passwd-file that Warden checks: the {@code {SCHEME}} prefix
 * of a password field, as {@code doveadm pw -s SCHEME} writes it.
 *
 * <table>
 * <caption>Schemes and the hashes they hold</caption>
 * <tr><th>Scheme</th><th>Hash</th><th>Checked with</th></tr>
 * <tr><td>SHA512-CRYPT</td><td>{@code $6$[rounds=N$]salt$hash}</td><td>commons-codec {@code Sha2Crypt} (glibc's algorithm)</td></tr>
 * <tr><td>SHA256-CRYPT</td><td>{@code $5$[rounds=N$]salt$hash}</td><td>the same</td></tr>
 * <tr><td>BLF-CRYPT</td><td>{@code $2y$}, {@code $2b$}, {@code $2a$} bcrypt</td><td>BouncyCastle {@code OpenBSDBCrypt}</td></tr>
 * <tr><td>ARGON2ID, ARGON2I</td><td>PHC strings {@code $argon2id$v=19$m=..,t=..,p=..$salt$hash}</td><td>BouncyCastle {@code Argon2BytesGenerator}</td></tr>
 * <tr><td>CRYPT</td><td>any of {@code $6$}, {@code $5$}, {@code $2y$}: what crypt(3) would read</td><td>as above</td></tr>
 * <tr><td>PLAIN, CLEARTEXT, CLEAR</td><td>the password itself</td><td>accepted; {@code config check} warns</td></tr>
 * </table>
 *
 * <p>Every comparison of a computed hash with the stored one is constant-time
 * ({@link MessageDigest#isEqual}; BouncyCastle's bcrypt check is constant-time itself).
 * Passwords are their UTF-8 octets, as Dovecot hashes them.
 *
 * <h2>Standards</h2>
 * <ul>
 * <li>Dovecot, "Password Schemes" and "passwd-file" (doc.dovecot.org).</li>
 * <li>Ulrich Drepper, "Unix crypt using SHA-256 and SHA-512" (glibc {@code $5$}/{@code $6$}, {@code rounds=}).</li>
 * <li>Provos and Mazières, "A Future-Adaptable Password Scheme" (bcrypt), OpenBSD {@code $2b$}.</li>
 * <li>RFC 9106 (Argon2), and the PHC string format of the reference implementation.</li>
 * </ul>
 */
public enum PasswordScheme {
    SHA512_CRYPT("SHA512-CRYPT"),
    SHA256_CRYPT("SHA256-CRYPT"),
    BLF_CRYPT("BLF-CRYPT"),
    ARGON2ID("ARGON2ID"),
    ARGON2I("ARGON2I"),
    CRYPT("CRYPT"),
    PLAIN("PLAIN"),
    CLEARTEXT("CLEARTEXT"),
    CLEAR("CLEAR");

    private static final Pattern SHA_CRYPT = Pattern.compile("\\$([56])\\$(?:rounds=([0-9]{1,9})\\$)?[./0-9A-Za-z]{1,16}\\$(?:[./0-9A-Za-z]{43}|[./0-9A-Za-z]{86})");
    private static final Pattern BCRYPT_HASH = Pattern.compile("\\$2[aby]\\$([0-9]{2})\\$[./0-9A-Za-z]{53}");
    private static final Pattern ARGON2 = Pattern.compile(
            "\\$(argon2id|argon2i)\\$(?:v=(16|19)\\$)?m=([0-9]{1,8}),t=([0-9]{1,5}),p=([0-9]{1,3})\\$([A-Za-z0-9+/]{11,})\\$([A-Za-z0-9+/]{6,})");
    private static final String CRYPT_SALT = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Argon2 memory above this (KiB, 1 GiB) is refused as a line problem: a few logins at once would exhaust the heap. */
    static final int ARGON2_MAX_MEMORY_KIB = 1024 * 1024;

    private final String label;

    PasswordScheme(String label) {
        this.label = label;
    }

    /** The name between the braces, as Dovecot writes it ({@code SHA512-CRYPT}). */
    public String label() {
        return label;
    }

    /** The scheme named {@code name} (any case, as Dovecot), if Warden knows it. */
    public static Optional<PasswordScheme> named(String name) {
        String upper = name.toUpperCase(Locale.ROOT);
        for (PasswordScheme s : values()) {
            if (s.label.equals(upper)) return Optional.of(s);
        }
        return Optional.empty();
    }

    /** Whether the password is stored as itself ({@code PLAIN}, {@code CLEARTEXT}, {@code CLEAR}). */
    public boolean cleartext() {
        return this == PLAIN || this == CLEARTEXT || this == CLEAR;
    }

    /** Whether {@link #hash} can make a new hash of this scheme (what {@code warden passwd} offers). */
    public boolean generates() {
        return this == SHA512_CRYPT || this == SHA256_CRYPT || this == BLF_CRYPT || this == ARGON2ID || this == ARGON2I;
    }

    /**
     * What is wrong with {@code hash} as a hash of this scheme, or empty when {@link #matches} can
     * check it. The answer never quotes the hash.
     */
    public Optional<String> problem(String hash) {
        if (cleartext()) return Optional.empty();
        if (hash.isEmpty()) return Optional.of("the {" + label + "} password is empty");
        Kind kind = Kind.of(hash);
        boolean fits = switch (this) {
            case SHA512_CRYPT -> kind == Kind.SHA512;
            case SHA256_CRYPT -> kind == Kind.SHA256;
            case BLF_CRYPT -> kind == Kind.BCRYPT;
            case ARGON2ID -> kind == Kind.ARGON2ID;
            case ARGON2I -> kind == Kind.ARGON2I;
            case CRYPT -> kind == Kind.SHA512 || kind == Kind.SHA256 || kind == Kind.BCRYPT;
            default -> false;
        };
        if (!fits) {
            if (this == CRYPT && hash.startsWith("$y$")) {
                return Optional.of("the {CRYPT} hash is yescrypt ($y$, mkpasswd's default), which Warden cannot check");
            }
            return Optional.of("the hash is not a {" + label + "} hash (" + expected() + ")");
        }
        if (kind == Kind.ARGON2ID || kind == Kind.ARGON2I) {
            Matcher m = ARGON2.matcher(hash);
            m.matches();
            long memory = Long.parseLong(m.group(3));
            int parallel = Integer.parseInt(m.group(5));
            if (memory > ARGON2_MAX_MEMORY_KIB) return Optional.of("the Argon2 hash asks for " + memory + " KiB of memory, more than Warden allows (1 GiB)");
            if (parallel < 1 || Integer.parseInt(m.group(4)) < 1 || memory < 8L * parallel) {
                return Optional.of("the Argon2 parameters are out of range (t >= 1, p >= 1, m >= 8*p)");
            }
        }
        return Optional.empty();
    }

    private String expected() {
        return switch (this) {
            case SHA512_CRYPT -> "$6$salt$hash";
            case SHA256_CRYPT -> "$5$salt$hash";
            case BLF_CRYPT -> "$2y$NN$ and 53 characters";
            case ARGON2ID -> "$argon2id$v=19$m=..,t=..,p=..$salt$hash";
            case ARGON2I -> "$argon2i$v=19$m=..,t=..,p=..$salt$hash";
            case CRYPT -> "$6$, $5$ or $2y$";
            default -> "the password";
        };
    }

    /**
     * Whether {@code password} (UTF-8 octets) matches {@code hash}; false for a hash that
     * {@link #problem} refuses. Constant-time in the comparison.
     */
    public boolean matches(String hash, byte[] password) {
        if (cleartext()) return same(sha256(hash.getBytes(StandardCharsets.UTF_8)), sha256(password));
        if (problem(hash).isPresent()) return false;
        return switch (Kind.of(hash)) {
            case SHA512, SHA256 -> shaCrypt(hash, password);
            case BCRYPT -> OpenBSDBCrypt.checkPassword(hash, password);
            case ARGON2ID, ARGON2I -> argon2(hash, password);
            case OTHER -> false;
        };
    }

    /** A new hash of {@code password} in this scheme, without the {@code {SCHEME}} prefix. */
    public String hash(byte[] password) {
        return switch (this) {
            case SHA512_CRYPT -> Sha2Crypt.sha512Crypt(password, "$6$" + cryptSalt(16));
            case SHA256_CRYPT -> Sha2Crypt.sha256Crypt(password, "$5$" + cryptSalt(16));
            case BLF_CRYPT -> OpenBSDBCrypt.generate("2y", password, randomBytes(16), 10);
            case ARGON2ID -> argon2New(Argon2Parameters.ARGON2_id, "argon2id", password);
            case ARGON2I -> argon2New(Argon2Parameters.ARGON2_i, "argon2i", password);
            default -> throw new IllegalArgumentException("{" + label + "} cannot be generated; use SHA512-CRYPT, BLF-CRYPT or ARGON2ID");
        };
    }

    private static boolean shaCrypt(String hash, byte[] password) {
        String computed = hash.startsWith("$6$") ? Sha2Crypt.sha512Crypt(password, hash) : Sha2Crypt.sha256Crypt(password, hash);
        return same(computed.getBytes(StandardCharsets.US_ASCII), hash.getBytes(StandardCharsets.US_ASCII));
    }

    private static boolean argon2(String hash, byte[] password) {
        Matcher m = ARGON2.matcher(hash);
        if (!m.matches()) return false;
        byte[] salt = Base64.getDecoder().decode(m.group(6));
        byte[] expected = Base64.getDecoder().decode(m.group(7));
        int version = "16".equals(m.group(2)) || m.group(2) == null ? Argon2Parameters.ARGON2_VERSION_10 : Argon2Parameters.ARGON2_VERSION_13;
        Argon2Parameters p = new Argon2Parameters.Builder(m.group(1).equals("argon2id") ? Argon2Parameters.ARGON2_id : Argon2Parameters.ARGON2_i)
                .withVersion(version)
                .withMemoryAsKB(Integer.parseInt(m.group(3)))
                .withIterations(Integer.parseInt(m.group(4)))
                .withParallelism(Integer.parseInt(m.group(5)))
                .withSalt(salt)
                .build();
        Argon2BytesGenerator g = new Argon2BytesGenerator();
        g.init(p);
        byte[] out = new byte[expected.length];
        g.generateBytes(password, out);
        return same(out, expected);
    }

    /** Dovecot's defaults for a new Argon2 hash: 64 MiB, 3 passes, 1 lane, 16-octet salt, 32-octet hash. */
    private static String argon2New(int type, String name, byte[] password) {
        int m = 65536, t = 3, p = 1;
        byte[] salt = randomBytes(16);
        Argon2BytesGenerator g = new Argon2BytesGenerator();
        g.init(new Argon2Parameters.Builder(type).withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(m).withIterations(t).withParallelism(p).withSalt(salt).build());
        byte[] out = new byte[32];
        g.generateBytes(password, out);
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return "$" + name + "$v=19$m=" + m + ",t=" + t + ",p=" + p + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(out);
    }

    private static String cryptSalt(int length) {
        StringBuilder b = new StringBuilder(length);
        for (int i = 0; i < length; i++) b.append(CRYPT_SALT.charAt(RANDOM.nextInt(CRYPT_SALT.length())));
        return b.toString();
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private static boolean same(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b);
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** Which algorithm a hash string is, by its {@code $id$} prefix and shape. */
    private enum Kind {
        SHA512, SHA256, BCRYPT, ARGON2ID, ARGON2I, OTHER;

        static Kind of(String hash) {
            Matcher sha = SHA_CRYPT.matcher(hash);
            if (sha.matches()) return sha.group(1).equals("6") ? SHA512 : SHA256;
            Matcher bcrypt = BCRYPT_HASH.matcher(hash);
            if (bcrypt.matches()) {
                int cost = Integer.parseInt(bcrypt.group(1));
                return cost >= 4 && cost <= 31 ? BCRYPT : OTHER;
            }
            Matcher argon = ARGON2.matcher(hash);
            if (argon.matches()) return argon.group(1).equals("argon2id") ? ARGON2ID : ARGON2I;
            return OTHER;
        }
    }
}

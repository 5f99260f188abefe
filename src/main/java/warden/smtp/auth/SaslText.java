package warden.smtp.auth;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * The client's side of a SASL exchange as it travels in SMTP: BASE64 text on a line, decoded
 * strictly, and the UTF-8 strings inside.
 *
 * <h2>Standards</h2>
 * RFC 4954 section 4 (responses are BASE64, {@code =} is an empty initial response, {@code *}
 * cancels), RFC 4648 section 4 (the alphabet and padding; characters outside it are an error,
 * not skipped, section 3.3), RFC 3629 (UTF-8; malformed sequences are refused, never replaced).
 *
 * <p>Strict means: the length is a multiple of four, only the 64 letters of the alphabet appear
 * before at most two {@code =} at the end, and no white space. Java's basic decoder alone would
 * take unpadded text too.
 */
public final class SaslText {

    private SaslText() {}

    /** Decodes BASE64 text; empty when it is not strict BASE64. */
    public static Optional<byte[]> base64(String text) {
        if (text.length() % 4 != 0) return Optional.empty();
        int padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
        for (int i = 0; i < text.length() - padding; i++) {
            char c = text.charAt(i);
            boolean letter = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/';
            if (!letter) return Optional.empty();
        }
        try {
            return Optional.of(Base64.getDecoder().decode(text));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** {@code bytes} as UTF-8; empty when they are not valid UTF-8. */
    public static Optional<String> utf8(byte[] bytes, int from, int to) {
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, from, to - from)).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    /** {@code text} as BASE64 (for the server's challenges). */
    public static String encode(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}

package warden.dsn;

import org.apache.james.mime4j.MimeException;
import org.apache.james.mime4j.stream.EntityState;
import org.apache.james.mime4j.stream.Field;
import org.apache.james.mime4j.stream.MimeConfig;
import org.apache.james.mime4j.stream.MimeTokenStream;
import org.apache.james.mime4j.stream.NameValuePair;
import org.apache.james.mime4j.stream.RawField;
import org.apache.james.mime4j.stream.RawFieldParser;
import org.apache.james.mime4j.stream.RecursionMode;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A delivery status report as Apache mime4j reads it (strict parsing, streamed): the top-level
 * fields, and each body part's fields, type and body (kept whole up to 1 MiB; always its size and
 * SHA-256). The {@code message/delivery-status} body is read as mime4j reads header fields, in
 * groups separated by empty lines (RFC 3464 2.1).
 */
record ParsedReport(List<Field> fields, String mimeType, Map<String, String> contentTypeParams, List<Part> parts,
                    String preamble) {

    record Part(List<Field> fields, String mimeType, String charset, String transferEncoding, byte[] body, long size,
                String sha256) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** The text with its lines unwrapped: every run of white space one space. */
        String prose() {
            return text().replaceAll("\\s+", " ");
        }

        /** The field groups of a delivery-status body: per-message first, then one per recipient. */
        List<Map<String, String>> groups() throws IOException, MimeException {
            List<Map<String, String>> groups = new ArrayList<>();
            for (String group : text().split("\r\n\r\n")) {
                if (group.isBlank()) continue;
                Map<String, String> g = new LinkedHashMap<>();
                MimeTokenStream s = new MimeTokenStream(MimeConfig.custom().setStrictParsing(true).build());
                s.parse(new ByteArrayInputStream((group + "\r\n\r\n").getBytes(StandardCharsets.UTF_8)));
                for (EntityState st = s.getState(); st != EntityState.T_END_OF_STREAM; st = s.next()) {
                    if (st == EntityState.T_FIELD) {
                        String name = s.getField().getName();
                        if (g.containsKey(name)) throw new AssertionError("field twice in a group: " + name);
                        g.put(name, new String(s.getField().getRaw().toByteArray(), StandardCharsets.UTF_8).substring(name.length() + 1)
                                .replaceAll("\r\n[ \t]+", " ").strip());
                    }
                    if (st == EntityState.T_BODY) break;
                }
                groups.add(g);
            }
            return groups;
        }
    }

    String field(String name) {
        return fields.stream().filter(f -> f.getName().equalsIgnoreCase(name)).map(f -> f.getBody().strip())
                .reduce((a, b) -> { throw new AssertionError("two " + name + " fields"); }).orElse(null);
    }

    static ParsedReport parse(InputStream in) throws IOException, MimeException {
        MimeTokenStream s = new MimeTokenStream(MimeConfig.custom().setStrictParsing(true).setMaxContentLen(-1).build());
        s.setRecursionMode(RecursionMode.M_NO_RECURSE);
        s.parse(in);
        List<Field> top = new ArrayList<>();
        List<Field> partFields = null;
        List<Part> parts = new ArrayList<>();
        String type = null;
        Map<String, String> params = new LinkedHashMap<>();
        String preamble = null;
        int depth = 0;
        for (EntityState st = s.getState(); st != EntityState.T_END_OF_STREAM; st = s.next()) {
            switch (st) {
                case T_START_BODYPART -> partFields = new ArrayList<>();
                case T_FIELD -> {
                    if (partFields == null) top.add(s.getField());
                    else partFields.add(s.getField());
                    if (partFields == null && s.getField().getName().equalsIgnoreCase("Content-Type")) {
                        RawField raw = RawFieldParser.DEFAULT.parseField(s.getField().getRaw());
                        for (NameValuePair p : RawFieldParser.DEFAULT.parseRawBody(raw).getParams()) {
                            params.put(p.getName().toLowerCase(Locale.ROOT), p.getValue());
                        }
                    }
                }
                case T_START_MULTIPART -> {
                    depth++;
                    if (depth == 1) type = s.getBodyDescriptor().getMimeType();
                    else throw new AssertionError("a multipart inside the report");
                }
                case T_PREAMBLE -> preamble = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                case T_BODY -> {
                    if (partFields == null) throw new AssertionError("the report is not a multipart");
                    var d = s.getBodyDescriptor();
                    parts.add(body(partFields, d.getMimeType(), d.getCharset(), d.getTransferEncoding(), s.getInputStream()));
                }
                default -> { }
            }
        }
        return new ParsedReport(top, type, params, parts, preamble);
    }

    private static Part body(List<Field> fields, String type, String charset, String cte, InputStream in) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        byte[] chunk = new byte[64 * 1024];
        long size = 0;
        for (int n; (n = in.read(chunk)) > 0; ) {
            sha.update(chunk, 0, n);
            if (size + n <= 1 << 20) kept.write(chunk, 0, n);
            size += n;
        }
        return new Part(List.copyOf(fields), type, charset, cte, size <= 1 << 20 ? kept.toByteArray() : null, size,
                HexFormat.of().formatHex(sha.digest()));
    }

    static String sha256(byte[] b) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

}

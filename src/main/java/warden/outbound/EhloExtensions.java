package warden.outbound;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What the server offered in its EHLO reply; nothing after HELO.
 *
 * <h2>Standards</h2>
 * RFC 5321 section 4.1.1.1 (each line after the first is a keyword and its parameters), RFC 1870
 * (SIZE and its limit, 0 = none), RFC 4954 (AUTH and its mechanisms).
 *
 * @param keywords the keywords in upper case
 * @param sizeLimit the SIZE limit in octets; 0 when SIZE is offered without a limit or not at all
 * @param authMechanisms the AUTH mechanisms in upper case
 */
record EhloExtensions(Set<String> keywords, long sizeLimit, Set<String> authMechanisms) {

    static final EhloExtensions NONE = new EhloExtensions(Set.of(), 0, Set.of());

    static EhloExtensions parse(PeerReply ehlo) {
        Set<String> keywords = new HashSet<>();
        Set<String> auth = new HashSet<>();
        long size = 0;
        List<String> lines = ehlo.lines();
        for (String line : lines.subList(1, lines.size())) {
            String[] words = line.trim().split("[ =]+");
            if (words.length == 0 || words[0].isEmpty()) continue;
            String keyword = words[0].toUpperCase(Locale.ROOT);
            keywords.add(keyword);
            if (keyword.equals("SIZE") && words.length > 1) {
                try {
                    size = Math.max(0, Long.parseLong(words[1]));
                } catch (NumberFormatException e) {
                    size = 0; // a limit we cannot read is no limit: the server says at MAIL
                }
            }
            if (keyword.equals("AUTH")) {
                for (int i = 1; i < words.length; i++) auth.add(words[i].toUpperCase(Locale.ROOT));
            }
        }
        return new EhloExtensions(Set.copyOf(keywords), size, Set.copyOf(auth));
    }

    boolean has(String keyword) {
        return keywords.contains(keyword);
    }
}

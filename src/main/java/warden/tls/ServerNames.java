package warden.tls;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * The host names a certificate is for, and whether a name is one of them: the DNS names of its
 * subjectAltName, where {@code *.example.org} stands for exactly one label
 * ({@code mx.example.org}, not {@code example.org} nor {@code a.b.example.org}); the subject's
 * common name only when there is no DNS name at all.
 *
 * <h2>Standards</h2>
 * RFC 6125 section 6.4 (matching DNS names; the wildcard only as the whole left-most label), RFC
 * 5280 section 4.2.1.6 (subjectAltName), RFC 9525 (which drops the CN fallback for clients; kept
 * here only for picking a certificate).
 */
public final class ServerNames {

    private ServerNames() {}

    /** The DNS names {@code certificate} is for, lower case, in its order. */
    public static List<String> of(X509Certificate certificate) {
        List<String> names = new ArrayList<>();
        try {
            var sans = certificate.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (san.size() >= 2 && Integer.valueOf(2).equals(san.get(0)) && san.get(1) instanceof String s) {
                        names.add(normal(s));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // no usable subjectAltName: the common name below, as for a certificate without one
        }
        if (names.isEmpty()) {
            try {
                for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
                    if (rdn.getType().equalsIgnoreCase("CN")) names.add(normal(String.valueOf(rdn.getValue())));
                }
            } catch (InvalidNameException e) {
                // no common name either: a certificate for no name
            }
        }
        return List.copyOf(names);
    }

    /** Whether {@code name} is one of {@code names} (each possibly a wildcard). */
    public static boolean matches(List<String> names, String name) {
        return names.stream().anyMatch(pattern -> matches(pattern, name));
    }

    /** Whether {@code name} matches {@code pattern}, a DNS name or {@code *.} and a domain. */
    public static boolean matches(String pattern, String name) {
        String p = normal(pattern);
        String n = normal(name);
        if (p.isEmpty() || n.isEmpty()) return false;
        if (p.startsWith("*.")) {
            int dot = n.indexOf('.');
            // one label, not empty, and the rest equal; "*.org"-style wildcards on a single label domain are not honoured
            return dot > 0 && p.indexOf('.', 2) > 0 && n.substring(dot + 1).equals(p.substring(2));
        }
        return p.equals(n);
    }

    private static String normal(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }
}

package warden.tls;

import java.nio.file.Path;

/**
 * A certificate or key file that cannot be used: which file, what is wrong with it, and the fix.
 * {@code config check} prints it as a problem of {@code tls.certificate}/{@code tls.key},
 * {@code serve} refuses to start on it, and a reload that meets it keeps the certificate in use.
 */
public final class CertificateFileException extends Exception {

    private final Path file;
    private final String problem;
    private final String fix;

    public CertificateFileException(Path file, String problem, String fix) {
        super(file + ": " + problem + " (fix: " + fix + ")");
        this.file = file;
        this.problem = problem;
        this.fix = fix;
    }

    /** The file at fault. */
    public Path file() {
        return file;
    }

    /** What is wrong, without the file name. */
    public String problem() {
        return problem;
    }

    /** What the operator should do. */
    public String fix() {
        return fix;
    }
}

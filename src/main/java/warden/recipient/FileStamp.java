package warden.recipient;

import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Objects;

/**
 * What a file looked like when it was read (modification time, size, inode), so that a
 * {@link Rechecked} reader can keep what it parsed while the file has not changed.
 *
 * @param modified the modification time
 * @param size the size in octets
 * @param key the file key (device and inode where the system has them), so a file replaced by
 *        rename with the same time and size is still seen as new
 */
public record FileStamp(FileTime modified, long size, Object key) {

    public static FileStamp of(BasicFileAttributes a) {
        return new FileStamp(a.lastModifiedTime(), a.size(), a.fileKey());
    }

    /** Whether {@code a} describes the same file, unchanged. */
    public boolean same(BasicFileAttributes a) {
        return a.lastModifiedTime().equals(modified) && a.size() == size && Objects.equals(a.fileKey(), key);
    }
}

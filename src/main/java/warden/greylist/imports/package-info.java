/**
 * Moving from greylistd or postgrey: their greylist data and whitelist files read and turned into
 * Warden's keys, entries and whitelist format, for {@code warden greylist import}.
 *
 * <p>Readers ({@link warden.greylist.imports.GreylistdFiles}, {@link warden.greylist.imports.PostgreyDatabase},
 * {@link warden.greylist.imports.WhitelistConversion}) never write anything: they return an
 * {@link warden.greylist.imports.ImportReport} or the converted lines, with every line they could
 * not take named by file and line. {@link warden.greylist.imports.StoreImport} then writes the
 * entries through {@link warden.greylist.GreylistAdmin}, so that the import goes to whatever store
 * (SQLite or Redis) the configuration names, keyed and aged by Warden's own greylist settings.
 *
 * <p>Nothing is guessed: an entry whose clear text cannot be known (greylistd's hash without its
 * {@code triplets} line, postgrey's {@code --privacy} digests) is counted and reported, never
 * invented.
 *
 * <h2>Standards</h2>
 * greylistd(8) 0.9 (its {@code states} and {@code triplets} files); postgrey(8) 1.37 (its
 * Berkeley DB files and whitelist formats); db_dump(1) "print" format; Exim 4 specification
 * chapter 10 (host lists), for greylistd's {@code whitelist-hosts}.
 */
package warden.greylist.imports;

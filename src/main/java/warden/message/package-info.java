/**
 * A message as received in DATA: written to a data file under {@code data_dir} as it is read
 * ({@link warden.message.DataFiles}, {@link warden.message.MessageWriter}), and handed on as one
 * {@link warden.message.ReceivedMessage} to the DATA checks, the Maildir copies and the spool,
 * which stream it and never hold its body in the heap. Only a bounded header block
 * ({@link warden.message.HeaderBlock}) is read into memory, for the checks.
 */
package warden.message;

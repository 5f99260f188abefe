/**
 * greylistd's socket protocol (Exim's {@code ${readsocket}} and greylistd's {@code greylist}
 * tool) in front of Warden's engine and greylist store.
 */
package warden.door.greylistd;

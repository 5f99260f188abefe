package warden;
public final class Warden { public static void main(String[] a) { System.out.println("warden"); } }

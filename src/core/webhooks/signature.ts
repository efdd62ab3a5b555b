// X-Hub-Signature-256 (GitHub and Meta sign the same way): "sha256=" + hex HMAC-SHA256 of the raw body, compared in
// constant time.
import { createHmac, timingSafeEqual } from "node:crypto";

export function signBody(secret: string, body: string | Uint8Array): string {
  return "sha256=" + createHmac("sha256", secret).update(body).digest("hex");
}

export function signatureValid(secret: string, body: string | Uint8Array, header: string | null | undefined): boolean {
  if (!header || !/^sha256=[0-9a-fA-F]{64}$/.test(header)) return false;
  const expected = Buffer.from(signBody(secret, body).slice(7), "hex");
  const given = Buffer.from(header.slice(7), "hex");
  return timingSafeEqual(expected, given);
}

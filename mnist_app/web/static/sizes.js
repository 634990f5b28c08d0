// Sizes of files and requests in the pages' words, and the server's limit on a request.

const KIB = 1024;
const MIB = 1024 * 1024;

// "9.9 MB", "3.2 kB" or "512 bytes": one decimal, in the binary units the server counts.
export function byteSize(bytes) {
  if (bytes >= MIB) return `${(bytes / MIB).toFixed(1)} MB`;
  if (bytes >= KIB) return `${(bytes / KIB).toFixed(1)} kB`;
  return `${bytes} bytes`;
}

// The largest request body the server reads (/api/model's limits; Infinity until they load:
// the server then says so itself).
export function maxBodyBytes(model) {
  return model ? model.limits.max_body_bytes : Infinity;
}

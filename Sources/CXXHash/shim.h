// libxxhash's XXH3, for the checksums of shard parts: scratch files only the merge reads, where a 128-bit
// non-cryptographic hash finds damage at memory speed (SHA-256 was a third of the sharding overhead).
#include <xxhash.h>

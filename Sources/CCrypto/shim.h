#ifndef FIELDSYNC_CCRYPTO_SHIM_H
#define FIELDSYNC_CCRYPTO_SHIM_H
// Debian's OpenSSL libcrypto, for SHA-256 of blobs at hardware speed (SHA-NI/AVX2).
#include <openssl/evp.h>
#endif

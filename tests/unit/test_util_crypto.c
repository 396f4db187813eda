/*
 * test_util_crypto.c: HMAC-SHA256 against RFC 4231 (with the portable and
 * the accelerated SHA-256 rounds) and base64 against RFC 4648.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "util/base64.h"
#include "util/sha256.h"

static void hex(char *out, const unsigned char *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void fill(unsigned char *p, unsigned char v, size_t n)
{
	memset(p, v, n);
}

/* RFC 4231 section 4: test cases 1 to 7 (case 5 is truncated to 128 bits). */
static void rfc4231(void)
{
	static const char long_data[] =
		"This is a test using a larger than block-size key and a larger than "
		"block-size data. The key needs to be hashed before being used by the HMAC "
		"algorithm.";
	unsigned char k0b[20], kaa20[20], kaa131[131], k0c[20], k25[25], ddd[50], dcd[50];
	unsigned char mac[32];
	char got[65];
	const struct {
		const unsigned char *key;
		size_t key_len;
		const void *data;
		size_t len;
		const char *expect;
	} cases[] = {
		{ k0b, 20, "Hi There", 8,
			"b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
		{ (const unsigned char *)"Jefe", 4, "what do ya want for nothing?", 28,
			"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
		{ kaa20, 20, ddd, 50,
			"773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe" },
		{ k25, 25, dcd, 50,
			"82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b" },
		{ k0c, 20, "Test With Truncation", 20, "a3b6167473100ee06e0c796c2955552b" },
		{ kaa131, 131, "Test Using Larger Than Block-Size Key - Hash Key First", 54,
			"60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
		{ kaa131, 131, long_data, sizeof(long_data) - 1,
			"9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2" },
	};

	fill(k0b, 0x0b, 20);
	fill(kaa20, 0xaa, 20);
	fill(kaa131, 0xaa, 131);
	fill(k0c, 0x0c, 20);
	fill(ddd, 0xdd, 50);
	fill(dcd, 0xcd, 50);
	for (int i = 0; i < 25; i++)
		k25[i] = (unsigned char)(i + 1);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t want = strlen(cases[i].expect) / 2;
		mg_hmac_sha256(cases[i].key, cases[i].key_len, cases[i].data, cases[i].len, mac);
		hex(got, mac, want);
		assert_string_equal(got, cases[i].expect);
	}
}

static void test_hmac_rfc4231(void **state)
{
	int was = mg_sha256_accelerated(-1);
	(void)state;

	rfc4231();
	mg_sha256_accelerated(0);
	rfc4231();
	mg_sha256_accelerated(was);
}

/* Streaming in uneven pieces gives the one-call result. */
static void test_hmac_streaming(void **state)
{
	unsigned char one[32], many[32], data[1000];
	mg_hmac_sha256_ctx h;
	(void)state;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7);
	mg_hmac_sha256("key", 3, data, sizeof(data), one);
	mg_hmac_sha256_init(&h, "key", 3);
	for (size_t at = 0, step = 1; at < sizeof(data); at += step, step = step * 2 + 1)
		mg_hmac_sha256_update(&h, data + at,
			step < sizeof(data) - at ? step : sizeof(data) - at);
	mg_hmac_sha256_final(&h, many);
	assert_memory_equal(one, many, 32);
	/* an empty key is a key of 64 zero bytes */
	mg_hmac_sha256("", 0, "x", 1, one);
	memset(data, 0, 64);
	mg_hmac_sha256(data, 64, "x", 1, many);
	assert_memory_equal(one, many, 32);
}

/* RFC 4648 section 10. */
static void test_base64_rfc4648(void **state)
{
	static const char *const vec[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	char enc[32];
	unsigned char dec[32];
	size_t n;
	(void)state;

	for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		size_t len = strlen(vec[i][0]);
		assert_int_equal(mg_base64_encode(enc, vec[i][0], len), strlen(vec[i][1]));
		assert_int_equal(MG_BASE64_ENCODED_LEN(len), strlen(vec[i][1]));
		assert_string_equal(enc, vec[i][1]);
		assert_int_equal(mg_base64_decode(dec, &n, vec[i][1], strlen(vec[i][1])), 0);
		assert_int_equal(n, len);
		assert_memory_equal(dec, vec[i][0], len);
		/* unpadded input decodes the same */
		len = strcspn(vec[i][1], "=");
		assert_int_equal(mg_base64_decode(dec, &n, vec[i][1], len), 0);
		assert_int_equal(n, strlen(vec[i][0]));
	}
}

static void test_base64_binary_and_refusals(void **state)
{
	static const char *const bad[] = { "Zg=", "Z", "Zm9vY", "Zm=v", "Zm9v\n", "Zm 9v",
		"Zm9v====", "====", "Zm-_", "Zg==Zg==", "A===" };
	unsigned char all[256], dec[MG_BASE64_DECODED_MAX(344)];
	char enc[MG_BASE64_ENCODED_LEN(256) + 1];
	size_t n;
	(void)state;

	for (int i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	for (size_t len = 0; len <= 256; len += 1 + len / 3) {
		size_t e = mg_base64_encode(enc, all, len);
		assert_int_equal(mg_base64_decode(dec, &n, enc, e), 0);
		assert_int_equal(n, len);
		assert_memory_equal(dec, all, len);
	}
	assert_int_equal(mg_base64_encode(enc, "\xfb\xff", 2), 4);
	assert_string_equal(enc, "+/8=");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = 12345;
		assert_int_equal(mg_base64_decode(dec, &n, bad[i], strlen(bad[i])), -1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hmac_rfc4231),
		cmocka_unit_test(test_hmac_streaming),
		cmocka_unit_test(test_base64_rfc4648),
		cmocka_unit_test(test_base64_binary_and_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

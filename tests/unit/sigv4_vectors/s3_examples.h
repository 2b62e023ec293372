/*
 * S3 SigV4 header-signing vectors, one entry per case.
 * - "aws-s3-*": AWS's worked examples in the S3 API reference, "Signature Calculations for the
 *   Authorization Header" (docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html):
 *   AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY, us-east-1, s3,
 *   20130524T000000Z, virtual-hosted host examplebucket.s3.amazonaws.com.
 * - "logship-s3-putobject-path-style": PROVIDERS.md Part 2 §10.4, the exact PutObject shape this
 *   project sends (computed independently with botocore; not AWS-published), with the 228-byte
 *   worked record of Part 2 §1.2 as an uncompressed body.
 * The request text uses the suite's format: request line, headers, blank line, body. The path
 * is given decoded (the signer encodes it); S3 paths are never normalised.
 */
struct sigv4_s3_case {
    const char *name;
    const char *access_key_id, *secret;
    const char *region;
    int64_t time_s;
    const char *request;
    const char *creq_sha256; /* hash of the canonical request (in the string to sign), NULL when
                                not published */
    const char *signed_headers;
    const char *signature;
};

#define S3_EX_KEY    "AKIAIOSFODNN7EXAMPLE"
#define S3_EX_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

static const struct sigv4_s3_case sigv4_s3[] = {
    {
        "aws-s3-get-object",
        S3_EX_KEY,
        S3_EX_SECRET,
        "us-east-1",
        1369353600,
        "GET /test.txt HTTP/1.1\n"
        "Host:examplebucket.s3.amazonaws.com\n"
        "Range:bytes=0-9\n",
        NULL,
        "host;range;x-amz-content-sha256;x-amz-date",
        "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
    },
    {
        "aws-s3-put-object",
        S3_EX_KEY,
        S3_EX_SECRET,
        "us-east-1",
        1369353600,
        "PUT /test$file.text HTTP/1.1\n"
        "Host:examplebucket.s3.amazonaws.com\n"
        "Date:Fri, 24 May 2013 00:00:00 GMT\n"
        "x-amz-storage-class:REDUCED_REDUNDANCY\n"
        "\n"
        "Welcome to Amazon S3.",
        "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d",
        "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
        "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
    },
    {
        "aws-s3-get-bucket-lifecycle",
        S3_EX_KEY,
        S3_EX_SECRET,
        "us-east-1",
        1369353600,
        "GET /?lifecycle HTTP/1.1\n"
        "Host:examplebucket.s3.amazonaws.com\n",
        NULL,
        "host;x-amz-content-sha256;x-amz-date",
        "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543",
    },
    {
        "aws-s3-list-objects",
        S3_EX_KEY,
        S3_EX_SECRET,
        "us-east-1",
        1369353600,
        "GET /?max-keys=2&prefix=J HTTP/1.1\n"
        "Host:examplebucket.s3.amazonaws.com\n",
        NULL,
        "host;x-amz-content-sha256;x-amz-date",
        "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
    },
    {
        "logship-s3-putobject-path-style",
        "AKIDEXAMPLE",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        "us-east-1",
        1795428001,
        "PUT "
        "/mybucket/worker/2026-11-23/"
        "1795428001-00000000-0000-4000-8000-000000000000.log.gz?x-id=PutObject HTTP/1.1\n"
        "Host:s3.us-east-1.amazonaws.com\n"
        "Content-Encoding:gzip\n"
        "Content-MD5:zC055t2GMXIVI6LKAVa9gA==\n"
        "Content-Type:text/x-log\n"
        "x-amz-storage-class:STANDARD\n"
        "\n"
        "{\"event\":{\"provider\":\"app\"},\"fly\":{\"app\":{\"instance\":\"a13043b026c48b\","
        "\"name\":"
        "\"worker\"},\"region\":\"ord\"},\"host\":\"34d6\",\"log\":{\"level\":\"info\"},"
        "\"message\":"
        "\"GET /api/users/33009 200 218ms\",\"timestamp\":\"2026-11-23T10:00:00.493842299Z\"}",
        "04f786a3a6d47547dd8091d789ab678f634345a470cafd7bd1782a5e82a15a84",
        "content-encoding;content-md5;content-type;host;x-amz-content-sha256;x-amz-date;"
        "x-amz-storage-class",
        "381cabbdcbecb76c0bc869f5be159e88fbcdf9c5c1dc82573170659a7e16f6d4",
    },
};

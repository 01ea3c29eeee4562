/* SPDX-License-Identifier: Apache-2.0 */
/* Manifests, indexes and configs. The documents below were written by
 * podman 4.3 (`podman save --format oci-dir|docker-dir`, `podman import`),
 * buildah 1.28 (`commit --format docker`) and skopeo 1.9 (`copy --format
 * oci|v2s2`, the conversions): berth must read them and, where it writes
 * the same content, produce the same bytes. */
#include "unit.h"

#include "image.h"

#define D_LAYER "6bc97d00552426cdf7091161a1f9780101c6e61405ed0fb69159561dd3d439c0"
#define D_CONFIG "a870d9975f4472c28c19e5a6e6ba03de1c540bab0162728c6a98602b0b9a03c2"
#define D_GZIP "731c09b9c2b341e0ed7bfd9882181426a17f676e5e4d452b1d23dbc49cd20a01"

static const char OCI_MANIFEST[] =
        "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oc"
        "i.image.config.v1+json\",\"digest\":\"sha256:" D_CONFIG
        "\",\"size\":409},\"layers\":[{\"mediaType\":\"application/vnd.oci.im"
        "age.layer.v1.tar+gzip\",\"digest\":\"sha256:" D_GZIP "\",\"size\":1083817}]}";

static const char DOCKER_MANIFEST[] =
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distr"
        "ibution.manifest.v2+json\",\"config\":{\"mediaType\":\"application"
        "/vnd.docker.container.image.v1+json\",\"size\":409,\"digest\":\"sh"
        "a256:" D_CONFIG "\"},\"layers\":[{\"mediaType\":\"application/vnd.docker.image.root"
        "fs.diff.tar\",\"size\":1996800,\"digest\":\"sha256:" D_LAYER "\"}]}";

static const char OCI_FROM_DOCKER[] =
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.ma"
        "nifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.i"
        "mage.config.v1+json\",\"digest\":\"sha256:" D_CONFIG
        "\",\"size\":409},\"layers\":[{\"mediaType\":\"application/vnd.oci.im"
        "age.layer.v1.tar\",\"digest\":\"sha256:" D_LAYER "\",\"size\":1996800}]}";

static const char DOCKER_FROM_OCI[] =
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distr"
        "ibution.manifest.v2+json\",\"config\":{\"mediaType\":\"application"
        "/vnd.docker.container.image.v1+json\",\"size\":409,\"digest\":\"sh"
        "a256:" D_CONFIG "\"},\"layers\":[{\"mediaType\":\"application/vnd.docker.image.root"
        "fs.diff.tar.gzip\",\"size\":1083817,\"digest\":\"sha256:" D_GZIP "\"}]}";

static const char PODMAN_IMPORT_CONFIG[] =
        "{\"created\":\"2026-11-28T00:42:05.128896135Z\",\"architecture\":\""
        "amd64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"d"
        "iff_ids\":[\"sha256:" D_LAYER
        "\"]},\"history\":[{\"created\":\"2026-11-28T00:42:05.128896135Z\",\""
        "created_by\":\"/bin/sh -c #(nop) ADD file:" D_LAYER
        " in /\",\"comment\":\"imported from tarball\"}]}";

static const char BUILDAH_DOCKER_CONFIG[] =
        "{\"created\":\"2026-11-28T00:42:59.161196262Z\",\"container\":\"304"
        "cd26598155d949c77c4eec58bb158afa720ae8ba6a6be311b5cb49992813"
        "1\",\"container_config\":{\"Hostname\":\"\",\"Domainname\":\"\",\"User\":"
        "\"\",\"AttachStdin\":false,\"AttachStdout\":false,\"AttachStderr\":f"
        "alse,\"Tty\":false,\"OpenStdin\":false,\"StdinOnce\":false,\"Env\":["
        "\"FOO=bar\"],\"Cmd\":null,\"Image\":\"\",\"Volumes\":null,\"WorkingDir\""
        ":\"\",\"Entrypoint\":null,\"OnBuild\":[],\"Labels\":{\"a\":\"b\",\"io.bui"
        "ldah.version\":\"1.28.2\"}},\"config\":{\"Hostname\":\"\",\"Domainname"
        "\":\"\",\"User\":\"\",\"AttachStdin\":false,\"AttachStdout\":false,\"Att"
        "achStderr\":false,\"Tty\":false,\"OpenStdin\":false,\"StdinOnce\":f"
        "alse,\"Env\":[\"FOO=bar\"],\"Cmd\":null,\"Image\":\"\",\"Volumes\":null,"
        "\"WorkingDir\":\"\",\"Entrypoint\":null,\"OnBuild\":[],\"Labels\":{\"a\""
        ":\"b\",\"io.buildah.version\":\"1.28.2\"}},\"architecture\":\"amd64\","
        "\"os\":\"linux\",\"parent\":\"sha256:4e76b6feeff0e17c12167876045a94"
        "1f5a0e940ba8308061531fa24cbb64bacb\",\"rootfs\":{\"type\":\"layers"
        "\",\"diff_ids\":[\"sha256:" D_LAYER
        "\",\"sha256:06ee490d7104abc1f3e79480d57a59f5cda124866047e5b78d"
        "788d87f4503efe\",\"sha256:04d5bd18a00ab85232ba10d0a7e0afaea16b"
        "ecc1c9a9ae13a19a20270da8ab44\"]},\"history\":[{\"created\":\"2026-"
        "11-28T00:42:05.128896135Z\",\"created_by\":\"/bin/sh -c #(nop) A"
        "DD file:" D_LAYER " in /\",\"comment\":\"imported from tarball\"},{\"created\":\"2026-1"
        "1-28T00:42:59.000616995Z\",\"created_by\":\"/bin/sh\",\"comment\":\""
        "FROM localhost/bb:1\"},{\"created\":\"2026-11-28T00:43:00.000886"
        "931Z\",\"created_by\":\"/bin/sh\",\"comment\":\"FROM localhost/bb:tw"
        "o\"}]}";

static void test_parse_real_manifests(void **state)
{
        (void)state;
        struct image_manifest *m = NULL;
        struct err e = {0};
        assert_int_equal(image_manifest_parse(OCI_MANIFEST, strlen(OCI_MANIFEST), NULL, &m, &e), 0);
        assert_int_equal(m->format, IMAGE_FORMAT_OCI);
        assert_null(m->media_type);
        assert_string_equal(m->config.media_type, IMAGE_MT_OCI_CONFIG);
        assert_string_equal(m->config.digest, "sha256:" D_CONFIG);
        assert_int_equal(m->config.size, 409);
        assert_int_equal(m->n_layers, 1);
        assert_string_equal(m->layers[0].digest, "sha256:" D_GZIP);
        assert_int_equal(m->layers[0].size, 1083817);
        assert_int_equal(image_layer_compression(m->layers[0].media_type), IMAGE_COMPRESSION_GZIP);
        image_manifest_free(m);

        assert_int_equal(
                image_manifest_parse(DOCKER_MANIFEST, strlen(DOCKER_MANIFEST), NULL, &m, &e), 0);
        assert_int_equal(m->format, IMAGE_FORMAT_DOCKER);
        assert_string_equal(m->media_type, IMAGE_MT_DOCKER_MANIFEST);
        assert_int_equal(image_layer_compression(m->layers[0].media_type), IMAGE_COMPRESSION_NONE);
        image_manifest_free(m);
}

/* parse + generate gives the very bytes the other tools wrote. */
static void roundtrip(const char *doc)
{
        struct image_manifest *m = NULL;
        struct err e = {0};
        if (image_manifest_parse(doc, strlen(doc), NULL, &m, &e) < 0)
                fail_msg("%s", e.msg);
        size_t len = 0;
        char *out = image_manifest_generate(m, &len);
        assert_string_equal(out, doc);
        assert_int_equal(len, strlen(doc));
        free(out);
        image_manifest_free(m);
}

static void test_roundtrip_bytes(void **state)
{
        (void)state;
        roundtrip(OCI_MANIFEST);
        roundtrip(DOCKER_MANIFEST);
        roundtrip(OCI_FROM_DOCKER);
        roundtrip(DOCKER_FROM_OCI);
}

static void convert_check(const char *from, enum image_format to, const char *want)
{
        struct image_manifest *m = NULL, *c = NULL;
        assert_int_equal(image_manifest_parse(from, strlen(from), NULL, &m, NULL), 0);
        assert_int_equal(image_manifest_convert(m, to, &c, NULL), 0);
        char *out = image_manifest_generate(c, NULL);
        assert_string_equal(out, want);
        free(out);
        image_manifest_free(c);
        image_manifest_free(m);
}

static void test_convert_like_skopeo(void **state)
{
        (void)state;
        /* skopeo copy --format oci dir:<docker-dir> dir:... */
        convert_check(DOCKER_MANIFEST, IMAGE_FORMAT_OCI, OCI_FROM_DOCKER);
        /* skopeo copy --format v2s2 oci:<oci-dir> dir:... */
        convert_check(OCI_MANIFEST, IMAGE_FORMAT_DOCKER, DOCKER_FROM_OCI);
        /* Converting to the format a manifest already has only adds mediaType. */
        convert_check(OCI_MANIFEST, IMAGE_FORMAT_OCI,
                      "{\"schemaVersion\":2,\"mediaType\":\"" IMAGE_MT_OCI_MANIFEST "\","
                      "\"config\":{\"mediaType\":\"" IMAGE_MT_OCI_CONFIG
                      "\",\"digest\":\"sha256:" D_CONFIG
                      "\",\"size\":409},\"layers\":[{\"mediaType\":\"" IMAGE_MT_OCI_LAYER_GZIP
                      "\",\"digest\":\"sha256:" D_GZIP "\",\"size\":1083817}]}");
}

static void test_convert_refusals(void **state)
{
        (void)state;
        const char *zstd = "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" IMAGE_MT_OCI_CONFIG
                           "\",\"digest\":\"sha256:" D_CONFIG "\",\"size\":1},\"layers\":[{"
                           "\"mediaType\":\"" IMAGE_MT_OCI_LAYER_ZSTD
                           "\",\"digest\":\"sha256:" D_LAYER "\",\"size\":5}]}";
        struct image_manifest *m = NULL, *c = NULL;
        struct err e = {0};
        assert_int_equal(image_manifest_parse(zstd, strlen(zstd), NULL, &m, &e), 0);
        assert_int_equal(image_layer_compression(m->layers[0].media_type), IMAGE_COMPRESSION_ZSTD);
        assert_int_equal(image_manifest_convert(m, IMAGE_FORMAT_DOCKER, &c, &e), -ENOTSUP);
        assert_non_null(strstr(e.msg, "layer sha256:" D_LAYER ": cannot convert layer of media "
                                      "type '" IMAGE_MT_OCI_LAYER_ZSTD "' to a Docker schema 2"));
        assert_null(c);
        err_done(&e);
        image_manifest_free(m);

        const char *artifact =
                "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/x-thing\","
                "\"digest\":\"sha256:" D_CONFIG "\",\"size\":1},\"layers\":[]}";
        assert_int_equal(image_manifest_parse(artifact, strlen(artifact), NULL, &m, &e), 0);
        assert_int_equal(image_manifest_convert(m, IMAGE_FORMAT_DOCKER, &c, &e), -ENOTSUP);
        assert_non_null(strstr(e.msg, "'application/x-thing'"));
        err_done(&e);
        image_manifest_free(m);
}

static void test_guess_type(void **state)
{
        (void)state;
        static const struct {
                const char *doc, *type;
        } cases[] = {
                {OCI_MANIFEST, IMAGE_MT_OCI_MANIFEST},
                {DOCKER_MANIFEST, IMAGE_MT_DOCKER_MANIFEST},
                {"{\"schemaVersion\":2,\"manifests\":[]}", IMAGE_MT_OCI_INDEX},
                {"{\"schemaVersion\":2,\"mediaType\":\"" IMAGE_MT_DOCKER_LIST
                 "\",\"manifests\":[]}",
                 IMAGE_MT_DOCKER_LIST},
                {"{\"schemaVersion\":1,\"name\":\"x\"}", IMAGE_MT_DOCKER_SCHEMA1},
                {"{\"schemaVersion\":1,\"signatures\":[]}", IMAGE_MT_DOCKER_SCHEMA1_SIGNED},
                {"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x/y\"}}", IMAGE_MT_OCI_MANIFEST},
                {"{\"schemaVersion\":3}", NULL},
                {"[1]", NULL},
                {"not json", NULL},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                const char *got = image_manifest_guess_type(cases[i].doc, strlen(cases[i].doc));
                if (cases[i].type)
                        assert_string_equal(got, cases[i].type);
                else
                        assert_null(got);
        }
}

#define CFG_OK                                                                                     \
        "\"config\":{\"mediaType\":\"" IMAGE_MT_OCI_CONFIG "\",\"digest\":\"sha256:" D_CONFIG      \
        "\",\"size\":2}"
#define LAYER_OK                                                                                   \
        "{\"mediaType\":\"" IMAGE_MT_OCI_LAYER "\",\"digest\":\"sha256:" D_LAYER "\",\"size\":3}"

static void test_invalid_manifests(void **state)
{
        (void)state;
        static const struct {
                const char *doc, *hint, *msg;
                int code;
        } cases[] = {
                {"", NULL, "invalid image manifest: invalid JSON", EINVAL},
                {"[]", NULL, "invalid image manifest: expected a JSON object, got array", EINVAL},
                {"{\"schemaVersion\":1,\"fsLayers\":[]}", NULL, "Docker schema 1", ENOTSUP},
                {"{\"schemaVersion\":\"2\"}", NULL, "schemaVersion: expected an integer", EINVAL},
                {"{\"schemaVersion\":3}", NULL, "schemaVersion: expected 2, got 3", EINVAL},
                {"{\"schemaVersion\":2,\"layers\":[]}", NULL,
                 "invalid image manifest: config: missing", EINVAL},
                {"{\"schemaVersion\":2," CFG_OK "}", NULL, "layers: missing", EINVAL},
                {"{\"schemaVersion\":2," CFG_OK ",\"layers\":{}}", NULL,
                 "layers: expected an array, got object", EINVAL},
                {"{\"schemaVersion\":2," CFG_OK ",\"layers\":[1]}", NULL,
                 "layers[0]: expected an object, got integer", EINVAL},
                {"{\"schemaVersion\":2," CFG_OK ",\"layers\":[" LAYER_OK ",{\"mediaType\":\"x\","
                 "\"digest\":\"sha256:abc\",\"size\":1}]}",
                 NULL, "invalid image manifest: layers[1].digest: invalid digest", EINVAL},
                {"{\"schemaVersion\":2," CFG_OK
                 ",\"layers\":[{\"mediaType\":\"x\",\"digest\":\"sha256:" D_LAYER
                 "\",\"size\":-1}]}",
                 NULL, "layers[0].size: expected a non-negative integer", EINVAL},
                {"{\"schemaVersion\":2," CFG_OK
                 ",\"layers\":[{\"mediaType\":\"x\",\"digest\":\"sha256:" D_LAYER
                 "\",\"size\":1.5}]}",
                 NULL, "layers[0].size: expected a non-negative integer", EINVAL},
                {"{\"schemaVersion\":2," CFG_OK ",\"layers\":[{\"digest\":\"sha256:" D_LAYER
                 "\",\"size\":1}]}",
                 NULL, "layers[0].mediaType: missing", EINVAL},
                {"{\"schemaVersion\":2," CFG_OK
                 ",\"layers\":[{\"mediaType\":7,\"digest\":\"sha256:" D_LAYER "\",\"size\":1}]}",
                 NULL, "layers[0].mediaType: expected a string, got integer", EINVAL},
                {"{\"schemaVersion\":2," CFG_OK
                 ",\"layers\":[{\"mediaType\":\"a\\u0000b\",\"digest\":\"sha256:" D_LAYER
                 "\",\"size\":1}]}",
                 NULL, "layers[0].mediaType: string contains a NUL byte", EINVAL},
                {"{\"schemaVersion\":2," CFG_OK ",\"layers\":[],\"annotations\":{\"a\":1}}", NULL,
                 "annotations.a: expected a string, got integer", EINVAL},
                {"{\"schemaVersion\":2," CFG_OK ",\"layers\":[],\"manifests\":[]}", NULL,
                 "manifests: not allowed in an image manifest", EINVAL},
                {"{\"schemaVersion\":2,\"mediaType\":\"" IMAGE_MT_OCI_MANIFEST "\"," CFG_OK
                 ",\"layers\":[]}",
                 IMAGE_MT_DOCKER_MANIFEST,
                 "declares media type '" IMAGE_MT_OCI_MANIFEST "' but was given", EINVAL},
                {"{\"schemaVersion\":2,\"mediaType\":\"application/x-weird\"," CFG_OK
                 ",\"layers\":[]}",
                 NULL, "unsupported image manifest media type 'application/x-weird'", ENOTSUP},
                {"{\"schemaVersion\":2,\"mediaType\":\"" IMAGE_MT_DOCKER_MANIFEST "\"," CFG_OK
                 ",\"layers\":[]}",
                 NULL,
                 "config.mediaType: expected '" IMAGE_MT_DOCKER_CONFIG "' in a Docker manifest",
                 EINVAL},
                {"{\"schemaVersion\":2,\"manifests\":[]}", NULL,
                 "is an image index, not a manifest", EINVAL},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct image_manifest *m = NULL;
                struct err e = {0};
                int r = image_manifest_parse(cases[i].doc, strlen(cases[i].doc), cases[i].hint, &m,
                                             &e);
                if (r != -cases[i].code || !e.msg || !strstr(e.msg, cases[i].msg))
                        fail_msg("case %zu: got %d '%s', want -%d '%s'", i, r, e.msg, cases[i].code,
                                 cases[i].msg);
                assert_null(m);
                err_done(&e);
        }
}

static void test_size_limits(void **state)
{
        (void)state;
        size_t big = IMAGE_MANIFEST_MAX_SIZE + 1;
        char *buf = xmalloc(big);
        memset(buf, ' ', big);
        struct image_manifest *m = NULL;
        struct image_index *idx = NULL;
        struct image_config *c = NULL;
        struct err e = {0};
        assert_int_equal(image_manifest_parse(buf, big, NULL, &m, &e), -EFBIG);
        assert_non_null(strstr(e.msg, "more than the limit of 4194304"));
        err_done(&e);
        assert_int_equal(image_index_parse(buf, big, NULL, &idx, &e), -EFBIG);
        err_done(&e);
        /* Configs may be up to 8 MiB: 4 MiB + 1 of spaces is bad JSON, not too big. */
        assert_int_equal(image_config_parse(buf, big, &c, &e), -EINVAL);
        err_done(&e);
        free(buf);
        big = IMAGE_CONFIG_MAX_SIZE + 1;
        buf = xcalloc(1, big);
        assert_int_equal(image_config_parse(buf, big, &c, &e), -EFBIG);
        assert_non_null(strstr(e.msg, "invalid image config: 8388609 bytes"));
        err_done(&e);
        free(buf);
}

static const char OCI_LAYOUT_INDEX[] =
        "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" IMAGE_MT_OCI_MANIFEST "\","
        "\"digest\":\"sha256:d93e1446f804b29dcd1380a1c6ab4a11788dff6b5a40d74845a56d6ae5f3df1d\","
        "\"size\":348,\"annotations\":{\"org.opencontainers.image.ref.name\":\"localhost/"
        "bb:1\"}}]}";

#define ENTRY(mt, hex, arch, extra)                                                                \
        "{\"mediaType\":\"" mt "\",\"size\":100,\"digest\":\"sha256:" hex "\",\"platform\":{"      \
        "\"architecture\":\"" arch "\",\"os\":\"linux\"" extra "}}"
#define H1 "1111111111111111111111111111111111111111111111111111111111111111"
#define H2 "2222222222222222222222222222222222222222222222222222222222222222"
#define H3 "3333333333333333333333333333333333333333333333333333333333333333"
#define H4 "4444444444444444444444444444444444444444444444444444444444444444"

#define DM IMAGE_MT_DOCKER_MANIFEST
/* clang-format off */
static const char DOCKER_LIST[] =
        "{\"schemaVersion\":2,\"mediaType\":\"" IMAGE_MT_DOCKER_LIST "\",\"manifests\":["
        ENTRY(DM, H1, "arm", ",\"variant\":\"v6\"") ","
        ENTRY(DM, H2, "arm", ",\"variant\":\"v7\"") ","
        ENTRY(DM, H3, "arm64", ",\"variant\":\"v8\"") ","
        ENTRY(DM, H4, "amd64", "") "]}";
/* clang-format on */

static void test_index_layout_roundtrip(void **state)
{
        (void)state;
        struct image_index *idx = NULL;
        struct err e = {0};
        assert_int_equal(
                image_index_parse(OCI_LAYOUT_INDEX, strlen(OCI_LAYOUT_INDEX), NULL, &idx, &e), 0);
        assert_int_equal(idx->format, IMAGE_FORMAT_OCI);
        assert_int_equal(idx->n_manifests, 1);
        assert_string_equal(
                image_descriptor_annotation(&idx->manifests[0], IMAGE_ANNOTATION_REF_NAME),
                "localhost/bb:1");
        assert_null(idx->manifests[0].platform);
        char *out = image_index_generate(idx, NULL);
        assert_string_equal(out, OCI_LAYOUT_INDEX);
        free(out);
        /* Without platforms, the first image is the fallback. */
        size_t i = 99;
        assert_int_equal(image_index_select(idx, NULL, NULL, NULL, &i, &e), 0);
        assert_int_equal(i, 0);

        /* Build the same index from scratch. */
        struct image_index *mine = image_index_new(IMAGE_FORMAT_OCI);
        image_index_add(mine, &idx->manifests[0]);
        out = image_index_generate(mine, NULL);
        assert_string_equal(out, OCI_LAYOUT_INDEX);
        free(out);
        image_index_free(mine);
        image_index_free(idx);
}

static void test_index_select(void **state)
{
        (void)state;
        struct image_index *idx = NULL;
        struct err e = {0};
        assert_int_equal(image_index_parse(DOCKER_LIST, strlen(DOCKER_LIST), NULL, &idx, &e), 0);
        assert_int_equal(idx->format, IMAGE_FORMAT_DOCKER);
        assert_int_equal(idx->n_manifests, 4);
        assert_string_equal(idx->manifests[1].platform->variant, "v7");
        char *out = image_index_generate(idx, NULL);
        assert_string_equal(out, DOCKER_LIST);
        free(out);

        size_t i = 99;
        assert_int_equal(image_index_select(idx, "linux", "amd64", NULL, &i, &e), 0);
        assert_int_equal(i, 3);
        assert_int_equal(image_index_select(idx, "linux", "arm", "v7", &i, &e), 0);
        assert_int_equal(i, 1);
        assert_int_equal(image_index_select(idx, "linux", "arm", NULL, &i, &e), 0);
        assert_int_equal(i, 0);
        assert_int_equal(image_index_select(idx, "linux", "arm64", "v8", &i, &e), 0);
        assert_int_equal(i, 2);
        assert_int_equal(image_index_select(idx, "linux", "arm", "v5", &i, &e), -ENOENT);
        assert_string_equal(e.msg, "no image found in manifest list for architecture arm, variant "
                                   "\"v5\", OS linux");
        err_done(&e);
        assert_int_equal(image_index_select(idx, "windows", "amd64", NULL, &i, &e), -ENOENT);
        err_done(&e);
        /* The host: whatever host_go_arch() says; amd64 and arm64 are listed. */
        if (STREQ(host_go_arch(), "amd64")) {
                assert_int_equal(image_index_select(idx, NULL, NULL, NULL, &i, &e), 0);
                assert_int_equal(i, 3);
        }
        image_index_free(idx);
}

static void test_invalid_indexes(void **state)
{
        (void)state;
        static const struct {
                const char *doc, *msg;
        } cases[] = {
                {"{\"schemaVersion\":2}", "invalid image index: manifests: missing"},
                {"{\"schemaVersion\":2,\"manifests\":{}}",
                 "manifests: expected an array, got object"},
                {"{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"x\",\"digest\":\"sha256:" H1
                 "\",\"size\":1,\"platform\":{\"os\":\"linux\"}}]}",
                 "manifests[0].platform.architecture: missing"},
                {"{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"x\",\"digest\":\"sha256:" H1
                 "\",\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\","
                 "\"os.features\":[1]}}]}",
                 "manifests[0].platform.os.features[0]: expected a string"},
                {OCI_MANIFEST, "is an image manifest, not an index"},
                {"{\"schemaVersion\":2,\"manifests\":[],\"layers\":[]}",
                 "config and layers: not allowed in an image index"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct image_index *idx = NULL;
                struct err e = {0};
                assert_int_equal(
                        image_index_parse(cases[i].doc, strlen(cases[i].doc), NULL, &idx, &e),
                        -EINVAL);
                if (!strstr(e.msg, cases[i].msg))
                        fail_msg("case %zu: got '%s', want '%s'", i, e.msg, cases[i].msg);
                err_done(&e);
        }
}

static void config_roundtrip(const char *doc)
{
        struct image_config *c = NULL;
        struct err e = {0};
        if (image_config_parse(doc, strlen(doc), &c, &e) < 0)
                fail_msg("%s", e.msg);
        char *out = image_config_generate(c, NULL);
        assert_string_equal(out, doc);
        free(out);
        image_config_free(c);
}

static void test_config_real(void **state)
{
        (void)state;
        struct image_config *c = NULL;
        struct err e = {0};
        assert_int_equal(
                image_config_parse(BUILDAH_DOCKER_CONFIG, strlen(BUILDAH_DOCKER_CONFIG), &c, &e),
                0);
        assert_string_equal(c->architecture, "amd64");
        assert_string_equal(c->os, "linux");
        assert_null(c->variant);
        assert_string_equal(c->created, "2026-11-28T00:42:59.161196262Z");
        assert_int_equal(c->n_diff_ids, 3);
        assert_string_equal(c->diff_ids[0], "sha256:" D_LAYER);
        assert_int_equal(c->n_history, 3);
        assert_string_equal(c->history[2].comment, "FROM localhost/bb:two");
        assert_int_equal(image_config_nonempty_history(c), 3);
        const struct json *env = json_object_get(c->config, "Env");
        assert_non_null(env);
        assert_string_equal(env->arr.items[0]->str.s, "FOO=bar");
        image_config_free(c);

        config_roundtrip(PODMAN_IMPORT_CONFIG);
        config_roundtrip(BUILDAH_DOCKER_CONFIG);
}

/* A fresh config as podman import writes it: the same bytes, the same ID. */
static void test_config_new_like_podman_import(void **state)
{
        (void)state;
        struct image_config *c = image_config_new("linux", "amd64");
        c->created = xstrdup("2026-11-28T00:42:05.128896135Z");
        struct image_history h = {
                .created = (char *)"2026-11-28T00:42:05.128896135Z",
                .created_by = (char *)"/bin/sh -c #(nop) ADD file:" D_LAYER " in /",
                .comment = (char *)"imported from tarball",
        };
        image_config_add_layer(c, "sha256:" D_LAYER, &h);
        size_t len = 0;
        char *out = image_config_generate(c, &len);
        assert_string_equal(out, PODMAN_IMPORT_CONFIG);
        char *digest = digest_buffer(out, len);
        assert_string_equal(digest, "sha256:" D_CONFIG);
        free(digest);
        free(out);
        image_config_free(c);
}

static void test_config_edit_keeps_unknown(void **state)
{
        (void)state;
        const char *doc =
                "{\"zzz\":1,\"architecture\":\"arm64\",\"os\":\"linux\",\"rootfs\":{\"type\":"
                "\"layers\",\"diff_ids\":[],\"extra\":true},\"history\":[{\"created_by\":\"a\","
                "\"x-custom\":\"keep\",\"empty_layer\":false}]}";
        struct image_config *c = NULL;
        assert_int_equal(image_config_parse(doc, strlen(doc), &c, NULL), 0);
        assert_int_equal(c->n_diff_ids, 0);
        config_roundtrip(doc);
        image_config_add_layer(c, "sha256:" D_LAYER,
                               &(struct image_history){.created_by = (char *)"b"});
        free(c->variant);
        c->variant = xstrdup("v8");
        char *out = image_config_generate(c, NULL);
        assert_string_equal(out,
                            "{\"zzz\":1,\"architecture\":\"arm64\",\"os\":\"linux\",\"rootfs\":{"
                            "\"type\":\"layers\",\"diff_ids\":[\"sha256:" D_LAYER "\"],\"extra\":"
                            "true},\"history\":[{\"created_by\":\"a\",\"x-custom\":\"keep\","
                            "\"empty_layer\":false},{\"created_by\":\"b\"}],\"variant\":\"v8\"}");
        free(out);
        image_config_free(c);
}

static void test_invalid_configs(void **state)
{
        (void)state;
        static const struct {
                const char *doc, *msg;
        } cases[] = {
                {"{}", "invalid image config: rootfs: missing"},
                {"{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"os\":5}",
                 "os: expected a string"},
                {"{\"rootfs\":{\"type\":\"tarball\",\"diff_ids\":[]}}",
                 "rootfs.type: expected \"layers\", got 'tarball'"},
                {"{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:12\"]}}",
                 "rootfs.diff_ids[0]: invalid digest"},
                {"{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":{}}}",
                 "rootfs.diff_ids: expected an array of strings"},
                {"{\"rootfs\":{\"type\":\"layers\"},\"history\":[[]]}",
                 "history[0]: expected an object, got array"},
                {"{\"rootfs\":{\"type\":\"layers\"},\"history\":[{\"empty_layer\":\"yes\"}]}",
                 "history[0].empty_layer: expected a boolean, got string"},
                {"{\"rootfs\":{\"type\":\"layers\"},\"config\":{\"Env\":\"A=b\"}}",
                 "config.Env: expected an array of strings, got string"},
                {"{\"rootfs\":{\"type\":\"layers\"},\"config\":{\"Cmd\":[\"sh\",1]}}",
                 "config.Cmd[1]: expected a string, got integer"},
                {"{\"rootfs\":{\"type\":\"layers\"},\"config\":{\"Labels\":{\"a\":true}}}",
                 "config.Labels.a: expected a string, got boolean"},
                {"{\"rootfs\":{\"type\":\"layers\"},\"config\":{\"User\":0}}",
                 "config.User: expected a string, got integer"},
                {"{\"rootfs\":{\"type\":\"layers\"},\"config\":[]}", "config: expected an object"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct image_config *c = NULL;
                struct err e = {0};
                assert_int_equal(image_config_parse(cases[i].doc, strlen(cases[i].doc), &c, &e),
                                 -EINVAL);
                if (!strstr(e.msg, cases[i].msg))
                        fail_msg("case %zu: got '%s', want '%s'", i, e.msg, cases[i].msg);
                assert_null(c);
                err_done(&e);
        }
        /* null means absent, as Go writes omitted slices. */
        const char *nulls = "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":null},\"config\":null,"
                            "\"history\":null}";
        struct image_config *c = NULL;
        assert_int_equal(image_config_parse(nulls, strlen(nulls), &c, NULL), 0);
        assert_int_equal(c->n_diff_ids, 0);
        assert_null(c->config);
        image_config_free(c);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_real_manifests),
                cmocka_unit_test(test_roundtrip_bytes),
                cmocka_unit_test(test_convert_like_skopeo),
                cmocka_unit_test(test_convert_refusals),
                cmocka_unit_test(test_guess_type),
                cmocka_unit_test(test_invalid_manifests),
                cmocka_unit_test(test_size_limits),
                cmocka_unit_test(test_index_layout_roundtrip),
                cmocka_unit_test(test_index_select),
                cmocka_unit_test(test_invalid_indexes),
                cmocka_unit_test(test_config_real),
                cmocka_unit_test(test_config_new_like_podman_import),
                cmocka_unit_test(test_config_edit_keeps_unknown),
                cmocka_unit_test(test_invalid_configs),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

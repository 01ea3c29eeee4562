/* SPDX-License-Identifier: Apache-2.0 */
/* Generated container names: docker's "adjective_noun" form, berth's words. */
#include <string.h>
#include <sys/random.h>

#include "ctr-internal.h"

static const char *const adjectives[] = {
        "able",   "agile",    "amber",    "ancient",  "azure",   "bold",    "brave",  "bright",
        "brisk",  "calm",     "careful",  "cheerful", "clever",  "cosmic",  "crisp",  "curious",
        "daring", "dazzling", "eager",    "early",    "earnest", "elegant", "epic",   "fair",
        "fancy",  "fearless", "festive",  "fond",     "frosty",  "gallant", "gentle", "giddy",
        "golden", "graceful", "happy",    "hardy",    "hidden",  "humble",  "jolly",  "keen",
        "kind",   "lively",   "loyal",    "lucid",    "lucky",   "merry",   "mighty", "modest",
        "nimble", "noble",    "patient",  "placid",   "plucky",  "polite",  "proud",  "quiet",
        "quirky", "rapid",    "ready",    "serene",   "sharp",   "shy",     "silent", "sleepy",
        "smooth", "snowy",    "solid",    "spry",     "steady",  "stoic",   "sunny",  "swift",
        "tender", "tidy",     "tranquil", "trusty",   "upbeat",  "vivid",   "warm",   "wise",
        "witty",  "zealous",  "zen",      "zesty",
};

static const char *const nouns[] = {
        "albatross", "alpaca",    "anchor",     "badger",  "beacon",   "bison",   "bobcat",
        "buoy",      "cabin",     "canoe",      "capstan", "cedar",    "comet",   "compass",
        "coral",     "cormorant", "crane",      "dinghy",  "dolphin",  "dune",    "eagle",
        "falcon",    "ferry",     "fjord",      "gannet",  "gull",     "harbor",  "heron",
        "horizon",   "ibis",      "jetty",      "kayak",   "keel",     "kestrel", "kite",
        "lagoon",    "lantern",   "lighthouse", "lynx",    "mackerel", "mariner", "marlin",
        "mast",      "meadow",    "moose",      "narwhal", "nautilus", "ocelot",  "orca",
        "osprey",    "otter",     "oyster",     "pelican", "penguin",  "pier",    "puffin",
        "quay",      "raven",     "reef",       "rudder",  "sailor",   "salmon",  "schooner",
        "seal",      "shoal",     "sloop",      "sparrow", "starling", "stern",   "storm",
        "swan",      "tern",      "tide",       "trawler", "turtle",   "walrus",  "wharf",
        "whale",     "yacht",     "yawl",
};

static bool name_used(const struct json *records, const char *name)
{
        for (size_t i = 0; records && i < records->arr.len; i++) {
                const struct json *n = json_object_get(records->arr.items[i], "names");
                for (size_t k = 0; n && n->type == JSON_ARRAY && k < n->arr.len; k++)
                        if (n->arr.items[k]->type == JSON_STRING &&
                            STREQ(n->arr.items[k]->str.s, name))
                                return true;
        }
        return false;
}

char *ctr_name_generate(const struct json *records)
{
        for (unsigned attempt = 0;; attempt++) {
                uint32_t rnd[2] = {0, 0};
                if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd)) {
                        rnd[0] = (uint32_t)getpid() * 2654435761u + attempt;
                        rnd[1] = rnd[0] >> 7;
                }
                const char *a = adjectives[rnd[0] % ARRAY_SIZE(adjectives)];
                const char *n = nouns[rnd[1] % ARRAY_SIZE(nouns)];
                /* Like docker, a digit is added once plain names keep colliding. */
                char *name = attempt < 8 ? xasprintf("%s_%s", a, n)
                                         : xasprintf("%s_%s%u", a, n, rnd[0] % 100);
                if (!name_used(records, name))
                        return name;
                free(name);
        }
}

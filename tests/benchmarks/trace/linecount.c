// Reads the agent's JSON lines on stdin (a pipe, so the agent pays for its write(2) as it would to any reader) and
// prints, at end of input, how many lines it read per "dataset.action" and the sum of "loss.count" of the loss
// lines, e.g. "lines=600012 socket.opened=200000 socket.closed=200000 ... loss_count=0". Cheap: one pass, no JSON
// parse (it looks for the first "dataset":" and "action":" of each line).
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_KINDS 64

static char kinds[MAX_KINDS][64];
static long counts[MAX_KINDS];
static int nkinds;

static void field(const char *line, size_t len, const char *key, char *out, size_t cap)
{
    out[0] = 0;
    const char *p = memmem(line, len, key, strlen(key));
    if (!p) return;
    p += strlen(key);
    size_t i = 0;
    while (p < line + len && *p != '"' && i + 1 < cap) out[i++] = *p++;
    out[i] = 0;
}

static void count_line(const char *line, size_t len, long *loss)
{
    char dataset[32], action[32], key[64];
    field(line, len, "\"dataset\":\"", dataset, sizeof dataset);
    field(line, len, "\"action\":\"", action, sizeof action);
    snprintf(key, sizeof key, "%s.%s", dataset, action);
    int k;
    for (k = 0; k < nkinds && strcmp(kinds[k], key) != 0; k++) {}
    if (k == nkinds && nkinds < MAX_KINDS) strcpy(kinds[nkinds++], key);
    if (k < MAX_KINDS) counts[k]++;
    if (strcmp(key, "agent.loss") == 0) {
        const char *p = memmem(line, len, "\"count\":", 8);
        if (p) *loss += atol(p + 8);
    }
}

int main(void)
{
    static char buf[1 << 20];
    static char carry[1 << 16];
    size_t carried = 0;
    long lines = 0, loss = 0;
    ssize_t n;
    while ((n = read(0, buf, sizeof buf)) > 0) {
        char *start = buf, *end = buf + n, *nl;
        while ((nl = memchr(start, '\n', end - start)) != NULL) {
            if (carried) {
                size_t part = nl - start;
                if (carried + part < sizeof carry) { memcpy(carry + carried, start, part); carried += part; }
                count_line(carry, carried, &loss);
                carried = 0;
            } else {
                count_line(start, nl - start, &loss);
            }
            lines++;
            start = nl + 1;
        }
        size_t rest = end - start;
        if (carried + rest < sizeof carry) { memcpy(carry + carried, start, rest); carried += rest; }
    }
    printf("lines=%ld", lines);
    for (int k = 0; k < nkinds; k++) printf(" %s=%ld", kinds[k], counts[k]);
    printf(" loss_count=%ld\n", loss);
    return 0;
}

/*
 * cimjob: the command-line front end of libcimjob.
 *
 *   cimjob run [OPTIONS] -- COMMAND [ARG...]   run COMMAND as a CIM job (see run.c)
 *   cimjob demo                                the demo on a real process tree (see demo.c)
 *   cimjob version                             versions and backends
 */
#include "cli.h"
#ifdef CIMJOB_CLI_SERVE
#include "serve.h"
#endif

#include <string.h>

void cli_usage(FILE *out)
{
    fputs("Usage: cimjob run [OPTIONS] [--] COMMAND [ARG...]\n"
          "       cimjob demo\n"
#ifdef CIMJOB_CLI_SERVE
          "       cimjob serve [OPTIONS]\n"
          "       cimjob account add|remove|list [OPTIONS] [NAME]\n"
#endif
          "       cimjob version\n"
          "       cimjob --help | cimjob run --help\n",
          out);
}

static void help(void)
{
    cli_usage(stdout);
    fputs("\n"
          "cimjob runs commands as DMTF CIM jobs (CIM_ConcreteJob) with libcimjob: every process\n"
          "the command starts is contained, every JobState change can be shown as it happens,\n"
          "and nothing is left running when cimjob returns.\n"
          "\n"
          "Commands:\n"
          "  run       run COMMAND as a job and wait for it; a timeout(1) that leaves nothing\n"
          "            behind (options: cimjob run --help)\n"
          "  demo      show the job model on a real process tree: a Terminate with a short\n"
          "            TimeoutPeriod, its escalation to a kill, and the proof nothing is left\n"
#ifdef CIMJOB_CLI_SERVE
          "  serve     serve jobs to management clients: a Redfish TaskService over HTTP(S)\n"
          "            (options: cimjob serve --help)\n"
          "  account   add, remove or list the accounts of `cimjob serve`\n"
#endif
          "  version   print the versions of cimjob and libcimjob and the backends built in\n"
          "\n"
          "Examples:\n"
          "  cimjob run --terminate-after 10 --grace 2 -- make -j4\n"
          "  cimjob run --events json -- ./long-task > out.txt 2> events.jsonl\n"
          "\n"
          "See cimjob(1).\n",
          stdout);
}

static int version(void)
{
    const cimjob_backend *def = cimjob_backend_default();
    printf("cimjob %d.%d.%d (libcimjob %s)\n", CIMJOB_VERSION_MAJOR, CIMJOB_VERSION_MINOR,
           CIMJOB_VERSION_PATCH, cimjob_version());
    printf("backends:");
    static const char *const names[] = {"posix", "win32", "fake"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (cimjob_backend_by_name(names[i]))
            printf(" %s", names[i]);
    printf(" (default: %s)\n", def ? def->name : "none");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs("cimjob: no command given\n", stderr);
        cli_usage(stderr);
        return CLI_EXIT_FAILED;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "run") == 0)
        return cli_run(argc - 1, argv + 1);
    if (strcmp(cmd, "demo") == 0)
        return cli_demo(argc - 1, argv + 1);
#ifdef CIMJOB_CLI_SERVE
    if (strcmp(cmd, "serve") == 0)
        return cli_serve(argc - 1, argv + 1);
    if (strcmp(cmd, "account") == 0)
        return cli_account(argc - 1, argv + 1);
#endif
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0)
        return version();
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        if (argc > 2 && strcmp(argv[2], "run") == 0)
            cli_run_usage(stdout); /* cimjob help run */
        else
            help();
        return 0;
    }
    fprintf(stderr, "cimjob: unknown command '%s'\n", cmd);
    cli_usage(stderr);
    return CLI_EXIT_FAILED;
}

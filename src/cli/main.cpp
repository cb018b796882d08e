#include <CLI/CLI.hpp>
#include <fmt/core.h>

int main(int argc, char** argv) {
    CLI::App app{"pxecheck: verify PXE network boot, both ways"};
    app.set_version_flag("--version", PXECHECK_VERSION);
    CLI11_PARSE(app, argc, argv);
    return 0;
}

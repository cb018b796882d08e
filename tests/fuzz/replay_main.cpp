// Standalone driver for the fuzz targets on compilers without libFuzzer (the
// way Zeek and Suricata replay their corpora): runs every file of the corpus
// directories given on the command line through LLVMFuzzerTestOneInput, then
// a fixed number of deterministic mutations of each, so the targets also run
// as ordinary regression tests under ctest (and under ASan in scripts/test).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
    namespace fs = std::filesystem;
    std::vector<std::vector<std::uint8_t>> inputs;
    for (int i = 1; i < argc; ++i) {
        fs::path p(argv[i]);
        std::vector<fs::path> files;
        if (fs::is_directory(p)) {
            for (const auto& e : fs::directory_iterator(p))
                if (e.is_regular_file()) files.push_back(e.path());
        } else {
            files.push_back(p);
        }
        std::sort(files.begin(), files.end());
        for (const auto& f : files) {
            std::ifstream in(f, std::ios::binary);
            inputs.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        }
    }
    if (inputs.empty()) {
        std::fprintf(stderr, "replay: no corpus files given\n");
        return 2;
    }
    std::size_t runs = 0;
    for (const auto& in : inputs) {
        LLVMFuzzerTestOneInput(in.data(), in.size());
        ++runs;
    }
    // Mutations: byte flips, truncations and insertions, seeded so a failure
    // reproduces exactly.
    std::mt19937 rng(12345);
    for (const auto& seed : inputs) {
        for (int m = 0; m < 2000; ++m) {
            std::vector<std::uint8_t> v = seed;
            const int edits = 1 + static_cast<int>(rng() % 8);
            for (int e = 0; e < edits; ++e) {
                switch (rng() % 4) {
                    case 0:
                        if (!v.empty()) v[rng() % v.size()] = static_cast<std::uint8_t>(rng());
                        break;
                    case 1:
                        if (!v.empty()) v.resize(rng() % v.size());
                        break;
                    case 2:
                        v.insert(v.begin() + static_cast<std::ptrdiff_t>(v.empty() ? 0 : rng() % v.size()),
                                 static_cast<std::uint8_t>(rng()));
                        break;
                    default:
                        if (v.size() > 1) v[rng() % v.size()] = v[rng() % v.size()];
                        break;
                }
            }
            LLVMFuzzerTestOneInput(v.data(), v.size());
            ++runs;
        }
    }
    std::printf("replay: %zu inputs, %zu runs, no crash\n", inputs.size(), runs);
    return 0;
}

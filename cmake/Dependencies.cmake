# Every dependency comes from a Debian 12 package (scripts/deps installs them);
# nothing is downloaded at build time.
find_package(PkgConfig REQUIRED)
pkg_check_modules(PCAP REQUIRED IMPORTED_TARGET libpcap)
find_library(TINS_LIBRARY NAMES tins REQUIRED)
find_path(TINS_INCLUDE_DIR tins/tins.h REQUIRED)
add_library(tins UNKNOWN IMPORTED)
set_target_properties(tins PROPERTIES IMPORTED_LOCATION ${TINS_LIBRARY}
                      INTERFACE_INCLUDE_DIRECTORIES ${TINS_INCLUDE_DIR})
find_package(CLI11 REQUIRED)
find_package(fmt REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(Threads REQUIRED)

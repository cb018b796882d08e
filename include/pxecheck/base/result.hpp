#pragma once
/// \file
/// A value or an error message, for operations that can fail for reasons the
/// caller must report (unreadable files, bad configuration). Wire decoding does
/// not use this: it always returns a value plus anomalies.

#include <string>
#include <utility>
#include <variant>

namespace pxecheck {

struct Error {
    std::string message;
};

template <typename T>
class Result {
public:
    Result(T value) : v_(std::move(value)) {}          // NOLINT(google-explicit-constructor)
    Result(Error error) : v_(std::move(error)) {}      // NOLINT(google-explicit-constructor)

    [[nodiscard]] bool ok() const noexcept { return std::holds_alternative<T>(v_); }
    explicit operator bool() const noexcept { return ok(); }
    T& value() & { return std::get<T>(v_); }
    const T& value() const& { return std::get<T>(v_); }
    T&& value() && { return std::get<T>(std::move(v_)); }
    T* operator->() { return &std::get<T>(v_); }
    const T* operator->() const { return &std::get<T>(v_); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    [[nodiscard]] const std::string& error() const { return std::get<Error>(v_).message; }

private:
    std::variant<T, Error> v_;
};

/// Result for operations with no value.
struct Unit {};
using Status = Result<Unit>;
inline Status ok_status() { return Status{Unit{}}; }

}  // namespace pxecheck

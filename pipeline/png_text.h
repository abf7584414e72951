// PNG text chunks: metadata inside the PNG files extract writes (cv::imencode cannot add any).
//
//   std::vector<uint8_t> png;  cv::imencode(".png", crop, png);
//   png = AddPngText(png, "faceswap", R"({"frame":12})");    // chunk inserted after IHDR
//   std::string error;
//   std::map<std::string, std::string> text = ReadPngTextFile("face.png", &error);
//   if (text.empty()) ... error says why ("" = a valid PNG without text chunks)
//
// AddPngText writes a tEXt chunk for printable ASCII values and an uncompressed iTXt chunk
// (UTF-8) otherwise. The readers return the tEXt and uncompressed iTXt chunks (compressed
// iTXt and zTXt are skipped). They never throw on file content: anything malformed -- not a
// PNG, a chunk running past the end, a bad CRC, no IEND, a bad keyword -- returns an empty map
// with `error` set to one line saying what and at which byte offset. The readers are fed files
// from users' folders and are fuzzed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace faceswap {

// `png` (a whole PNG file, e.g. from cv::imencode) with a text chunk `key` = `value` inserted
// right after IHDR. `key`: 1-79 printable Latin-1 characters without leading, trailing or
// double spaces; `value`: any bytes but NUL (UTF-8 for non-ASCII). Throws std::invalid_argument
// for a bad key or value, or when `png` does not start with a PNG signature and IHDR chunk.
std::vector<uint8_t> AddPngText(const std::vector<uint8_t>& png, const std::string& key,
                                const std::string& value);

// The text chunks of a PNG held in memory (later chunks win for repeated keywords).
std::map<std::string, std::string> ReadPngText(const uint8_t* data, size_t size,
                                               std::string* error = nullptr);
std::map<std::string, std::string> ReadPngText(const std::vector<uint8_t>& png,
                                               std::string* error = nullptr);
// The same for a file; an unreadable file (or one over 256 MiB) is an error like a bad chunk.
std::map<std::string, std::string> ReadPngTextFile(const std::string& path,
                                                   std::string* error = nullptr);

}  // namespace faceswap

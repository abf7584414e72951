#include "pipeline/png_text.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace faceswap {
namespace {

constexpr uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
constexpr uint32_t kMaxChunkLength = 0x7fffffffu;  // PNG spec: 2^31 - 1.
constexpr size_t kMaxFileSize = size_t{256} << 20;

uint32_t ReadBe32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

void AppendBe32(std::vector<uint8_t>& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

// CRC-32 over a chunk's type and data (zlib's crc32 is the PNG one).
uint32_t ChunkCrc(const uint8_t* type_and_data, size_t size) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths; chunks are < 2^31 bytes, so one call per 1 GiB is plenty.
  while (size > 0) {
    const uInt n = static_cast<uInt>(std::min<size_t>(size, size_t{1} << 30));
    crc = crc32(crc, type_and_data, n);
    type_and_data += n;
    size -= n;
  }
  return static_cast<uint32_t>(crc);
}

// PNG keywords: 1-79 Latin-1 printable characters (32-126, 161-255), no leading, trailing or
// consecutive spaces.
bool ValidKeyword(const uint8_t* p, size_t n) {
  if (n < 1 || n > 79 || p[0] == ' ' || p[n - 1] == ' ') return false;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t c = p[i];
    if (!((c >= 32 && c <= 126) || c >= 161)) return false;
    if (c == ' ' && i > 0 && p[i - 1] == ' ') return false;
  }
  return true;
}

bool IsChunkType(const uint8_t* t) {
  for (int i = 0; i < 4; ++i) {
    const uint8_t c = t[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
  }
  return true;
}

std::string At(size_t offset) { return " at byte " + std::to_string(offset); }

// Parses one tEXt/iTXt payload into (key, value); returns "" or the problem. `skip` is set for
// a valid chunk whose text is compressed.
std::string ParseText(bool itxt, const uint8_t* p, size_t n, std::string& key, std::string& value,
                      bool& skip) {
  skip = false;
  const uint8_t* end = p + n;
  const uint8_t* nul = static_cast<const uint8_t*>(std::memchr(p, 0, n));
  if (!nul) return "has no keyword terminator";
  if (!ValidKeyword(p, static_cast<size_t>(nul - p))) return "has an invalid keyword";
  key.assign(reinterpret_cast<const char*>(p), static_cast<size_t>(nul - p));
  const uint8_t* q = nul + 1;
  if (itxt) {
    if (end - q < 2) return "is too short";
    const uint8_t flag = q[0], method = q[1];
    if (flag > 1 || method != 0) return "has an unknown compression";
    q += 2;
    for (int field = 0; field < 2; ++field) {  // Language tag, translated keyword.
      const uint8_t* z =
          static_cast<const uint8_t*>(std::memchr(q, 0, static_cast<size_t>(end - q)));
      if (!z) return "has an unterminated language or translated keyword";
      q = z + 1;
    }
    if (flag == 1) {
      skip = true;
      return "";
    }
  }
  if (std::memchr(q, 0, static_cast<size_t>(end - q))) return "has a NUL byte in its text";
  value.assign(reinterpret_cast<const char*>(q), static_cast<size_t>(end - q));
  return "";
}

}  // namespace

std::vector<uint8_t> AddPngText(const std::vector<uint8_t>& png, const std::string& key,
                                const std::string& value) {
  const auto* k = reinterpret_cast<const uint8_t*>(key.data());
  if (!ValidKeyword(k, key.size())) {
    throw std::invalid_argument("invalid PNG text keyword '" + key +
                                "': expected 1-79 printable characters");
  }
  if (value.find('\0') != std::string::npos) {
    throw std::invalid_argument("PNG text for '" + key + "' contains a NUL byte");
  }
  // Signature, then IHDR: length 13, "IHDR", 13 bytes, CRC.
  constexpr size_t kIhdrEnd = 8 + 4 + 4 + 13 + 4;
  if (png.size() < kIhdrEnd || std::memcmp(png.data(), kSignature, 8) != 0 ||
      ReadBe32(png.data() + 8) != 13 || std::memcmp(png.data() + 12, "IHDR", 4) != 0) {
    throw std::invalid_argument("not a PNG image (no signature and IHDR chunk)");
  }
  bool ascii = true;
  for (unsigned char c : value) ascii = ascii && ((c >= 32 && c <= 126) || c == '\n');
  std::vector<uint8_t> chunk;  // Type and data; the length and CRC frame it below.
  const char* type = ascii ? "tEXt" : "iTXt";
  chunk.insert(chunk.end(), type, type + 4);
  chunk.insert(chunk.end(), key.begin(), key.end());
  chunk.push_back(0);
  if (!ascii) chunk.insert(chunk.end(), {0, 0, 0, 0});  // Uncompressed, no language tags.
  chunk.insert(chunk.end(), value.begin(), value.end());
  if (chunk.size() - 4 > kMaxChunkLength) throw std::invalid_argument("PNG text is too long");

  std::vector<uint8_t> out;
  out.reserve(png.size() + chunk.size() + 8);
  out.insert(out.end(), png.begin(), png.begin() + kIhdrEnd);
  AppendBe32(out, static_cast<uint32_t>(chunk.size() - 4));
  out.insert(out.end(), chunk.begin(), chunk.end());
  AppendBe32(out, ChunkCrc(chunk.data(), chunk.size()));
  out.insert(out.end(), png.begin() + kIhdrEnd, png.end());
  return out;
}

std::map<std::string, std::string> ReadPngText(const uint8_t* data, size_t size,
                                               std::string* error) {
  std::map<std::string, std::string> text;
  auto fail = [&](const std::string& why) {
    if (error) *error = why;
    return std::map<std::string, std::string>();
  };
  if (error) error->clear();
  if (!data || size < 8 || std::memcmp(data, kSignature, 8) != 0) {
    return fail("not a PNG file (no PNG signature)");
  }
  size_t pos = 8;
  bool first = true;
  while (true) {
    if (size - pos < 12) {
      return fail("PNG ends without an IEND chunk" + At(pos) + " (truncated file?)");
    }
    const uint32_t length = ReadBe32(data + pos);
    const uint8_t* type = data + pos + 4;
    if (length > kMaxChunkLength) return fail("PNG chunk length out of range" + At(pos));
    if (!IsChunkType(type)) return fail("PNG chunk with an invalid type" + At(pos));
    const std::string name(reinterpret_cast<const char*>(type), 4);
    if (size - pos - 12 < length) {
      return fail("PNG chunk '" + name + "'" + At(pos) + " runs past the end (truncated file?)");
    }
    if (first && (name != "IHDR" || length != 13)) {
      return fail("PNG does not start with an IHDR chunk");
    }
    first = false;
    const uint8_t* payload = type + 4;
    if (ReadBe32(payload + length) != ChunkCrc(type, size_t{length} + 4)) {
      return fail("PNG chunk '" + name + "'" + At(pos) + " has a bad CRC (corrupt file)");
    }
    if (name == "IEND") break;
    if (name == "tEXt" || name == "iTXt") {
      std::string key, value;
      bool skip = false;
      const std::string why = ParseText(name == "iTXt", payload, length, key, value, skip);
      if (!why.empty()) return fail("PNG chunk '" + name + "'" + At(pos) + " " + why);
      if (!skip) text[key] = std::move(value);
    }
    pos += size_t{length} + 12;
  }
  return text;
}

std::map<std::string, std::string> ReadPngText(const std::vector<uint8_t>& png,
                                               std::string* error) {
  return ReadPngText(png.data(), png.size(), error);
}

std::map<std::string, std::string> ReadPngTextFile(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) {
    if (error) *error = "cannot open '" + path + "'";
    return {};
  }
  const std::streamoff size = in.tellg();
  if (size < 0 || static_cast<uint64_t>(size) > kMaxFileSize) {
    if (error) *error = "'" + path + "' is not a readable file of at most 256 MiB";
    return {};
  }
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), size)) {
    if (error) *error = "cannot read '" + path + "'";
    return {};
  }
  std::string why;
  auto text = ReadPngText(bytes, &why);
  if (!why.empty() && error) *error = "'" + path + "': " + why;
  return text;
}

}  // namespace faceswap

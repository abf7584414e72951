# Benchmarks of models/ (LibTorch only): included from tools/bench/CMakeLists.txt and, in
# FACESWAP_MODELS_ONLY builds, from the top-level CMakeLists.txt.
add_executable(train_bench ${CMAKE_CURRENT_LIST_DIR}/train_bench.cc)
target_link_libraries(train_bench PRIVATE faceswap_models)
target_precompile_headers(train_bench REUSE_FROM faceswap_models)
add_dependencies(bench train_bench)
add_executable(train_quality_bench ${CMAKE_CURRENT_LIST_DIR}/train_quality_bench.cc)
target_link_libraries(train_quality_bench PRIVATE faceswap_models)
add_dependencies(bench train_quality_bench)

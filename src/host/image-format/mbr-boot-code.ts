/**
 * The assembled bytes of mbr-boot-code.S (see that file for what the code
 * does and the commands that build it); a test rebuilds them with binutils
 * and compares. They fill the start of the 440-byte boot code area of the MBR.
 */
export const MBR_BOOT_CODE: Uint8Array = Buffer.from(
  'fa31c08ed88ec08ed0bc007cfbfcbe007cbf0006b90001f3a5ea1e060000bebe07b90400f60480750a83c610e2f6be79' +
    '06eb3456668b4408666a0066506a0068007c6a016a1089e6b442cd13721183c4105e813efe7d55aa750aea007c0000be' +
    '8d06eb03be9d06ac84c07409b40ebb0700cd10ebf2faf4ebfc4e6f2061637469766520706172746974696f6e00446973' +
    '6b2072656164206572726f7200506172746974696f6e206e6f7420626f6f7461626c6500',
  'hex',
);

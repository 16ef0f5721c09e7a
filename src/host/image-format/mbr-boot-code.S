/*
 * MBR boot code for the disks of extdump and ntfsdump images: chain-loads
 * the boot sector of the active partition, where the image keeps its own
 * boot loader (GRUB in the partition boot sector, or the NTFS boot code).
 * It does what syslinux's generic mbr.S does, in the fewest bytes: relocate
 * to 0x600, find the partition marked active, read its first sector to 0x7c00
 * with the BIOS LBA extensions (int 13h, ah=42h), check the 0xaa55 signature
 * and jump to it with DL = boot drive and DS:SI = the partition entry.
 *
 * mbr-boot-code.ts holds the assembled bytes; its test assembles this file
 * again and compares:
 *   as --32 -o mbr.o mbr-boot-code.S && ld -m elf_i386 -Ttext 0x600 --oformat binary -o mbr.bin mbr.o
 */
        .code16
        .text
        .globl _start
_start:
        cli
        xorw    %ax, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %ss
        movw    $0x7c00, %sp
        sti
        cld
        movw    $0x7c00, %si
        movw    $0x0600, %di
        movw    $256, %cx
        rep movsw
        ljmp    $0, $relocated
relocated:
        movw    $0x0600 + 446, %si
        movw    $4, %cx
find_active:
        testb   $0x80, (%si)
        jnz     found_active
        addw    $16, %si
        loop    find_active
        movw    $no_active, %si
        jmp     fail
found_active:
        pushw   %si
        movl    8(%si), %eax
        pushl   $0
        pushl   %eax
        pushw   $0
        pushw   $0x7c00
        pushw   $1
        pushw   $0x0010
        movw    %sp, %si
        movb    $0x42, %ah
        int     $0x13
        jc      read_failed
        addw    $16, %sp
        popw    %si
        cmpw    $0xaa55, 0x7dfe
        jne     not_bootable
        ljmp    $0, $0x7c00
read_failed:
        movw    $read_error, %si
        jmp     fail
not_bootable:
        movw    $no_signature, %si
fail:
        lodsb
        testb   %al, %al
        jz      halt
        movb    $0x0e, %ah
        movw    $0x0007, %bx
        int     $0x10
        jmp     fail
halt:
        cli
        hlt
        jmp     halt
no_active:
        .asciz  "No active partition"
read_error:
        .asciz  "Disk read error"
no_signature:
        .asciz  "Partition not bootable"

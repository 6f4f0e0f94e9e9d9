-- Idempotency keys get a table of their own (issue 14): a fingerprint of the request, an expiry, and no
-- longer a unique index on orders, so that a key may place a new order once it has expired.

-- CreateTable
CREATE TABLE `idempotency_keys` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `user_id` INTEGER NOT NULL,
    `idempotency_key` VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    `request_hash` CHAR(64) NULL,
    `order_id` INTEGER NOT NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `expires_at` DATETIME(3) NOT NULL,

    UNIQUE INDEX `idempotency_keys_user_id_idempotency_key_key`(`user_id`, `idempotency_key`),
    INDEX `idempotency_keys_expires_at_idx`(`expires_at`),
    INDEX `idempotency_keys_order_id_idx`(`order_id`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- Keys of the last 24 hours keep answering their orders (without a fingerprint: only the note compares).
INSERT INTO `idempotency_keys` (`user_id`, `idempotency_key`, `request_hash`, `order_id`, `created_at`, `expires_at`)
SELECT `user_id`, `idempotency_key`, NULL, `id`, `created_at`, `created_at` + INTERVAL 1 DAY
FROM `orders`
WHERE `created_at` > UTC_TIMESTAMP(3) - INTERVAL 1 DAY;

-- DropIndex
DROP INDEX `orders_user_id_idempotency_key_key` ON `orders`;

-- AddForeignKey
ALTER TABLE `idempotency_keys` ADD CONSTRAINT `idempotency_keys_user_id_fkey` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `idempotency_keys` ADD CONSTRAINT `idempotency_keys_order_id_fkey` FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

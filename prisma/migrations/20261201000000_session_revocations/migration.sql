-- Revocations are durable: MySQL is their source of truth, Redis and process memory only cache them.
-- A row with a jti revokes that one token (logout); a row without one records that every session of the user
-- changed (logout everywhere, password or role change), so that every replica drops what it cached for them.
-- Rows are pruned once expires_at has passed.
CREATE TABLE `session_revocations` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `user_id` INTEGER NOT NULL,
    `jti` VARCHAR(64) NULL,
    `reason` ENUM('LOGOUT', 'LOGOUT_ALL', 'PASSWORD_CHANGE', 'ROLE_CHANGE') NOT NULL,
    `expires_at` DATETIME(3) NOT NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    UNIQUE INDEX `session_revocations_jti_key`(`jti`),
    INDEX `session_revocations_user_id_expires_at_idx`(`user_id`, `expires_at`),
    INDEX `session_revocations_created_at_idx`(`created_at`),
    INDEX `session_revocations_expires_at_idx`(`expires_at`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `session_revocations` ADD CONSTRAINT `session_revocations_user_id_fkey` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;
